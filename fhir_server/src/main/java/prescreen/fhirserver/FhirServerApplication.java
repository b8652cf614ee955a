package prescreen.fhirserver;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.context.annotation.Import;

import java.io.File;
import java.util.HashMap;
import java.util.Map;

/**
 * Entry point of the prescreen test FHIR server: HAPI FHIR R4 JPA server on H2.
 *
 * <p>Environment:
 * <ul>
 *   <li>PRESCREEN_FHIR_PORT (default 8090), PRESCREEN_FHIR_BIND (default 127.0.0.1)</li>
 *   <li>PRESCREEN_FHIR_DB_DIR: if set, an H2 file database in that directory; else in-memory</li>
 *   <li>PRESCREEN_FHIR_TOKEN, PRESCREEN_FHIR_SMART_JWKS, PRESCREEN_FHIR_SMART_CLIENT_ID: see {@link TokenCheckFilter}</li>
 * </ul>
 */
@SpringBootApplication(
        exclude = {
            // HAPI runs its own Quartz scheduler; Boot must not create another one.
            QuartzAutoConfiguration.class,
            // HAPI manages its own schema (hbm2ddl); no Flyway migrations.
            FlywayAutoConfiguration.class,
            // Thymeleaf is only on the classpath for HAPI narratives.
            ThymeleafAutoConfiguration.class,
            // No Elasticsearch: no client (and no node sniffer) for localhost:9200.
            ElasticsearchRestClientAutoConfiguration.class,
        })
@Import({
    JpaR4Config.class,
    HapiJpaConfig.class,
    ThreadPoolFactoryConfig.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class,
    // In-memory message channels; batch2 (bulk export) jobs run over them.
    SubscriptionChannelConfig.class
})
public class FhirServerApplication {

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(FhirServerApplication.class);
        app.setDefaultProperties(defaultProperties());
        app.run(args);
    }

    static Map<String, Object> defaultProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put("server.port", env("PRESCREEN_FHIR_PORT", "8090"));
        props.put("server.address", env("PRESCREEN_FHIR_BIND", "127.0.0.1"));
        String dbDir = System.getenv("PRESCREEN_FHIR_DB_DIR");
        if (dbDir != null && !dbDir.isBlank()) {
            File dir = new File(dbDir).getAbsoluteFile();
            if (!dir.isDirectory() && !dir.mkdirs()) {
                throw new IllegalStateException("Cannot create PRESCREEN_FHIR_DB_DIR " + dir);
            }
            // No H2 trace file (Hibernate's harmless temp-table DDL errors would fill it).
            props.put("spring.datasource.url", "jdbc:h2:file:" + new File(dir, "prescreen-fhir").getPath()
                    + ";DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0");
        } else {
            props.put("spring.datasource.url", "jdbc:h2:mem:prescreen-fhir;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE");
        }
        return props;
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return (v == null || v.isBlank()) ? fallback : v.trim();
    }
}
