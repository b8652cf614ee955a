package prescreen.fhirserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The two SMART Backend Services endpoints: discovery document and token endpoint. */
final class SmartEndpoints {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SmartEndpoints() {}

    static String tokenUrl(HttpServletRequest req, SmartAuthService auth) {
        if (auth.configuredTokenUrl() != null) {
            return auth.configuredTokenUrl();
        }
        StringBuilder b = new StringBuilder();
        b.append(req.getScheme()).append("://").append(req.getServerName());
        int port = req.getServerPort();
        boolean defaultPort = ("http".equals(req.getScheme()) && port == 80)
                || ("https".equals(req.getScheme()) && port == 443);
        if (!defaultPort) {
            b.append(':').append(port);
        }
        return b.append(req.getContextPath()).append("/auth/token").toString();
    }

    static void writeJson(HttpServletResponse res, int status, Object body) throws IOException {
        res.setStatus(status);
        res.setContentType("application/json;charset=UTF-8");
        res.setHeader("Cache-Control", "no-store");
        res.setHeader("Pragma", "no-cache");
        JSON.writeValue(res.getOutputStream(), body);
    }

    /** GET /fhir/.well-known/smart-configuration (no token needed). */
    /** A servlet of the SMART endpoints: both answer from the one authorization service. */
    abstract static class AuthServlet extends HttpServlet {
        protected final transient SmartAuthService auth;

        AuthServlet(SmartAuthService auth) {
            this.auth = auth;
        }
    }

    static final class ConfigurationServlet extends AuthServlet {
        ConfigurationServlet(SmartAuthService auth) {
            super(auth);
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("token_endpoint", tokenUrl(req, auth));
            doc.put("grant_types_supported", List.of("client_credentials"));
            doc.put("token_endpoint_auth_methods_supported", List.of("private_key_jwt"));
            doc.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS384", "ES384"));
            doc.put("scopes_supported", List.of("system/*.read", "system/*.rs"));
            doc.put("capabilities", List.of("client-confidential-asymmetric"));
            writeJson(res, 200, doc);
        }
    }

    /** POST /auth/token: client_credentials grant with a signed JWT client assertion. */
    static final class TokenServlet extends AuthServlet {
        TokenServlet(SmartAuthService auth) {
            super(auth);
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
            if (!"POST".equals(req.getMethod())) {
                res.setHeader("Allow", "POST");
                writeJson(res, 405, Map.of("error", "invalid_request", "error_description", "use POST"));
                return;
            }
            Set<String> audiences = new LinkedHashSet<>();
            audiences.add(req.getRequestURL().toString());
            audiences.add(tokenUrl(req, auth));
            try {
                SmartAuthService.IssuedToken t = auth.issue(
                        req.getParameter("grant_type"),
                        req.getParameter("scope"),
                        req.getParameter("client_assertion_type"),
                        req.getParameter("client_assertion"),
                        audiences);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("access_token", t.accessToken());
                body.put("token_type", "bearer");
                body.put("expires_in", t.expiresIn());
                body.put("scope", t.scope());
                writeJson(res, 200, body);
            } catch (SmartAuthService.OAuthError e) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", e.error);
                body.put("error_description", e.getMessage());
                writeJson(res, e.status, body);
            }
        }
    }
}
