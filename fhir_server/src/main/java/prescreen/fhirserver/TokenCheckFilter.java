package prescreen.fhirserver;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Our rule: every HTTP endpoint we run checks a token.
 *
 * <p>When PRESCREEN_FHIR_TOKEN is set (or the SMART token endpoint is configured), every request
 * must carry {@code Authorization: Bearer <token>}, where the token is PRESCREEN_FHIR_TOKEN or one
 * issued by POST /auth/token; otherwise 401 with an OperationOutcome. Exempt: GET/HEAD
 * /fhir/metadata, GET/HEAD /fhir/.well-known/smart-configuration and POST /auth/token (which
 * authenticates the client by its signed assertion). With neither set there is no check.
 *
 * <p>It also shortens the Retry-After that HAPI sends while a bulk export runs (HAPI always says
 * 120 s) to PRESCREEN_FHIR_BULK_RETRY_AFTER seconds (default 2; empty keeps HAPI's value).
 */
public class TokenCheckFilter extends OncePerRequestFilter {

    private static final Logger LOG = LoggerFactory.getLogger(TokenCheckFilter.class);

    private final SmartAuthService auth;
    private final String retryAfter;

    public TokenCheckFilter(SmartAuthService auth) {
        this.auth = auth;
        String v = System.getenv("PRESCREEN_FHIR_BULK_RETRY_AFTER");
        this.retryAfter = v == null ? "2" : (v.isBlank() ? null : v.trim());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws ServletException, IOException {
        HttpServletResponse response = retryAfter == null ? res : new RetryAfterRewriter(res, retryAfter);
        if (!auth.isCheckEnabled() || isExempt(req)) {
            chain.doFilter(req, response);
            return;
        }
        String header = req.getHeader("Authorization");
        String token = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = header.substring(7).trim();
        }
        if (auth.isAcceptedToken(token)) {
            chain.doFilter(req, response);
            return;
        }
        String why = token == null ? "missing bearer token" : "invalid or expired bearer token";
        LOG.info("401 {} {}: {}", req.getMethod(), req.getRequestURI(), why);
        res.setStatus(401);
        res.setHeader("WWW-Authenticate",
                "Bearer realm=\"prescreen-fhir\"" + (token == null ? "" : ", error=\"invalid_token\""));
        res.setContentType("application/fhir+json;charset=UTF-8");
        String body = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                + "\"code\":\"login\",\"diagnostics\":\"" + why
                + ": send 'Authorization: Bearer <token>'\"}]}";
        res.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isExempt(HttpServletRequest req) {
        String path = req.getRequestURI().substring(req.getContextPath().length());
        String method = req.getMethod();
        boolean read = "GET".equals(method) || "HEAD".equals(method);
        if (read && ("/fhir/metadata".equals(path) || "/fhir/.well-known/smart-configuration".equals(path))) {
            return true;
        }
        return "/auth/token".equals(path);
    }

    /** Replaces the value of any Retry-After header the server sets. */
    static final class RetryAfterRewriter extends HttpServletResponseWrapper {
        private final String value;

        RetryAfterRewriter(HttpServletResponse response, String value) {
            super(response);
            this.value = value;
        }

        private String fix(String name, String v) {
            return "Retry-After".equalsIgnoreCase(name) ? value : v;
        }

        @Override
        public void setHeader(String name, String v) {
            super.setHeader(name, fix(name, v));
        }

        @Override
        public void addHeader(String name, String v) {
            super.addHeader(name, fix(name, v));
        }

        @Override
        public void setIntHeader(String name, int v) {
            super.setHeader(name, fix(name, Integer.toString(v)));
        }

        @Override
        public void addIntHeader(String name, int v) {
            super.addHeader(name, fix(name, Integer.toString(v)));
        }
    }
}
