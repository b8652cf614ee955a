package prescreen.fhirserver;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Registers the token check (all paths) and the SMART endpoints. */
@Configuration
public class AuthConfig {

    @Bean
    public FilterRegistrationBean<TokenCheckFilter> tokenCheckFilter(SmartAuthService auth) {
        FilterRegistrationBean<TokenCheckFilter> reg = new FilterRegistrationBean<>(new TokenCheckFilter(auth));
        reg.addUrlPatterns("/*");
        reg.setOrder(Ordered.HIGHEST_PRECEDENCE);
        reg.setName("tokenCheck");
        return reg;
    }

    /** Exact mapping: wins over the FHIR servlet's /fhir/* prefix mapping. */
    @Bean
    public ServletRegistrationBean<SmartEndpoints.ConfigurationServlet> smartConfigurationServlet(
            SmartAuthService auth) {
        ServletRegistrationBean<SmartEndpoints.ConfigurationServlet> reg = new ServletRegistrationBean<>(
                new SmartEndpoints.ConfigurationServlet(auth), "/fhir/.well-known/smart-configuration");
        reg.setName("smartConfiguration");
        return reg;
    }

    @Bean
    public ServletRegistrationBean<SmartEndpoints.TokenServlet> smartTokenServlet(SmartAuthService auth) {
        ServletRegistrationBean<SmartEndpoints.TokenServlet> reg =
                new ServletRegistrationBean<>(new SmartEndpoints.TokenServlet(auth), "/auth/token");
        reg.setName("smartToken");
        return reg;
    }
}
