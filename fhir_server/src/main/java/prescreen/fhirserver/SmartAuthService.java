package prescreen.fhirserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Access tokens for the FHIR endpoint: the fixed PRESCREEN_FHIR_TOKEN and tokens issued by a
 * minimal SMART Backend Services token endpoint (client_credentials grant, private_key_jwt
 * client authentication with RS384 or ES384, keys from the JWKS in PRESCREEN_FHIR_SMART_JWKS
 * for the one client PRESCREEN_FHIR_SMART_CLIENT_ID).
 */
@Component
public class SmartAuthService {

    private static final Logger LOG = LoggerFactory.getLogger(SmartAuthService.class);

    public static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    public static final int TOKEN_LIFETIME_SECONDS = 300;
    /** Longest allowed lifetime of a client assertion (SMART: "no more than five minutes"). */
    static final long MAX_ASSERTION_LIFETIME_MS = 5 * 60 * 1000L;
    /** Tolerated clock difference between client and server. */
    static final long CLOCK_SKEW_MS = 5 * 1000L;

    private final String staticToken = envOrNull("PRESCREEN_FHIR_TOKEN");
    private final String jwksSource = envOrNull("PRESCREEN_FHIR_SMART_JWKS");
    private final String clientId = envOrNull("PRESCREEN_FHIR_SMART_CLIENT_ID");
    private final String configuredTokenUrl = envOrNull("PRESCREEN_FHIR_SMART_TOKEN_URL");

    private final SecureRandom random = new SecureRandom();
    /** issued access token -> expiry (epoch ms) */
    private final Map<String, Long> issued = new ConcurrentHashMap<>();
    /** used assertion jti -> expiry of that assertion (epoch ms) */
    private final Map<String, Long> usedJti = new ConcurrentHashMap<>();

    public SmartAuthService() {
        LOG.info("Token check {}; fixed token {}; SMART token endpoint {}",
                isCheckEnabled() ? "ON" : "OFF (no PRESCREEN_FHIR_TOKEN, no SMART client)",
                staticToken != null ? "set" : "not set",
                isSmartConfigured() ? "enabled for client '" + clientId + "'" : "not configured");
    }

    /** The check applies when a fixed token is set or the SMART token endpoint is configured. */
    public boolean isCheckEnabled() {
        return staticToken != null || isSmartConfigured();
    }

    public boolean isSmartConfigured() {
        return jwksSource != null && clientId != null;
    }

    public String configuredTokenUrl() {
        return configuredTokenUrl;
    }

    public boolean isAcceptedToken(String token) {
        if (token == null || token.isEmpty()) {
            return false;
        }
        if (staticToken != null && MessageDigest.isEqual(
                staticToken.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        Long expiry = issued.get(token);
        if (expiry == null) {
            return false;
        }
        if (expiry < System.currentTimeMillis()) {
            issued.remove(token);
            return false;
        }
        return true;
    }

    /** An RFC 6749 error: HTTP status, error code, description. */
    public static final class OAuthError extends Exception {
        final int status;
        final String error;

        OAuthError(int status, String error, String description) {
            super(description);
            this.status = status;
            this.error = error;
        }
    }

    public record IssuedToken(String accessToken, String scope, int expiresIn) {}

    /**
     * Validates a client_credentials token request and issues an access token.
     *
     * @param expectedAudiences token endpoint URLs the assertion's aud may name
     */
    public IssuedToken issue(
            String grantType, String scope, String assertionType, String assertion, Set<String> expectedAudiences)
            throws OAuthError {
        if (!isSmartConfigured()) {
            throw new OAuthError(400, "invalid_client",
                    "token endpoint not configured (PRESCREEN_FHIR_SMART_JWKS, PRESCREEN_FHIR_SMART_CLIENT_ID)");
        }
        if (isBlank(grantType)) {
            throw new OAuthError(400, "invalid_request", "missing grant_type");
        }
        if (!"client_credentials".equals(grantType)) {
            throw new OAuthError(400, "unsupported_grant_type", "only client_credentials is supported");
        }
        if (isBlank(assertionType) || isBlank(assertion)) {
            throw new OAuthError(400, "invalid_request", "missing client_assertion_type or client_assertion");
        }
        if (!ASSERTION_TYPE.equals(assertionType)) {
            throw new OAuthError(400, "invalid_client", "client_assertion_type must be " + ASSERTION_TYPE);
        }
        if (isBlank(scope)) {
            throw new OAuthError(400, "invalid_request", "missing scope");
        }
        String grantedScope = String.join(" ", scope.trim().split("\\s+"));
        for (String s : grantedScope.split(" ")) {
            if (!s.matches("system/(\\*|[A-Za-z]+)\\.(read|write|\\*|[cruds]+)")) {
                throw new OAuthError(400, "invalid_scope", "unsupported scope '" + s + "' (use system/*.read)");
            }
        }

        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(assertion);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new OAuthError(400, "invalid_client", "client_assertion is not a signed JWT: " + e.getMessage());
        }
        verifySignature(jwt);

        if (!clientId.equals(claims.getIssuer()) || !clientId.equals(claims.getSubject())) {
            throw new OAuthError(400, "invalid_client", "iss and sub must both equal the client id");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || aud.stream().noneMatch(expectedAudiences::contains)) {
            throw new OAuthError(400, "invalid_client", "aud must be the token endpoint URL " + expectedAudiences);
        }
        Date exp = claims.getExpirationTime();
        long now = System.currentTimeMillis();
        if (exp == null) {
            throw new OAuthError(400, "invalid_client", "missing exp");
        }
        if (exp.getTime() < now - CLOCK_SKEW_MS) {
            throw new OAuthError(400, "invalid_client", "client_assertion has expired");
        }
        if (exp.getTime() > now + MAX_ASSERTION_LIFETIME_MS + CLOCK_SKEW_MS) {
            throw new OAuthError(400, "invalid_client", "exp is more than 5 minutes in the future");
        }
        String jti = claims.getJWTID();
        if (isBlank(jti)) {
            throw new OAuthError(400, "invalid_client", "missing jti");
        }
        usedJti.values().removeIf(e -> e < now - CLOCK_SKEW_MS);
        if (usedJti.putIfAbsent(jti, exp.getTime()) != null) {
            throw new OAuthError(400, "invalid_client", "jti has already been used");
        }

        issued.values().removeIf(e -> e < now);
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        issued.put(token, now + TOKEN_LIFETIME_SECONDS * 1000L);
        LOG.info("Issued access token for client '{}' scope '{}'", clientId, grantedScope);
        return new IssuedToken(token, grantedScope, TOKEN_LIFETIME_SECONDS);
    }

    private void verifySignature(SignedJWT jwt) throws OAuthError {
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!JWSAlgorithm.RS384.equals(alg) && !JWSAlgorithm.ES384.equals(alg)) {
            throw new OAuthError(400, "invalid_client", "client_assertion must be signed with RS384 or ES384");
        }
        String kid = jwt.getHeader().getKeyID();
        List<JWK> candidates = new ArrayList<>();
        for (JWK key : loadJwks().getKeys()) {
            if (kid != null && !kid.equals(key.getKeyID())) {
                continue;
            }
            if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
                continue;
            }
            if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
                continue;
            }
            boolean typeOk = JWSAlgorithm.RS384.equals(alg) ? key instanceof RSAKey : key instanceof ECKey;
            if (typeOk) {
                candidates.add(key);
            }
        }
        if (candidates.isEmpty()) {
            throw new OAuthError(400, "invalid_client",
                    "no key in the client's JWKS matches kid=" + kid + " alg=" + alg);
        }
        for (JWK key : candidates) {
            try {
                JWSVerifier verifier = key instanceof RSAKey rsa
                        ? new RSASSAVerifier(rsa.toRSAPublicKey())
                        : new ECDSAVerifier(((ECKey) key).toECPublicKey());
                if (jwt.verify(verifier)) {
                    return;
                }
            } catch (JOSEException e) {
                LOG.debug("Key {} cannot verify: {}", key.getKeyID(), e.getMessage());
            }
        }
        throw new OAuthError(400, "invalid_client", "client_assertion signature does not verify");
    }

    private JWKSet loadJwks() throws OAuthError {
        try {
            String text = jwksSource.trim().startsWith("{")
                    ? jwksSource
                    : Files.readString(Path.of(jwksSource), StandardCharsets.UTF_8);
            return JWKSet.parse(text).toPublicJWKSet();
        } catch (Exception e) {
            LOG.error("Cannot read the client JWKS from PRESCREEN_FHIR_SMART_JWKS: {}", e.toString());
            throw new OAuthError(400, "invalid_client", "the client's JWKS cannot be read on the server");
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String envOrNull(String name) {
        String v = System.getenv(name);
        return (v == null || v.isBlank()) ? null : v.trim();
    }
}
