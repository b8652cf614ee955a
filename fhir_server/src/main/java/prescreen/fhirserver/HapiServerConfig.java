package prescreen.fhirserver;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.LoggingInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.cfg.AvailableSettings;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

import javax.sql.DataSource;
import java.util.Map;

/** The beans HAPI's JPA configuration expects the application to provide, plus the REST servlet. */
@Configuration
@EnableTransactionManagement
public class HapiServerConfig {

    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 500;

    @Bean
    public JpaStorageSettings jpaStorageSettings() {
        JpaStorageSettings s = new JpaStorageSettings();
        // Client-assigned ids of any form via PUT (icc-001, 123, ...); server-assigned ids are UUIDs.
        s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
        s.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
        // A test server: every search sees the data as it is now (no 60 s result reuse).
        s.setReuseCachedSearchResultsForMillis(null);
        s.setIndexMissingFields(StorageSettings.IndexEnabledEnum.DISABLED);
        // Lets tests wipe the server between cases: POST [base]/$expunge expungeEverything=true
        s.setExpungeEnabled(true);
        s.setAllowMultipleDelete(true);
        // Bulk Data export: always a fresh job, files kept for 2 hours.
        s.setEnableTaskBulkExportJobExecution(true);
        s.setEnableBulkExportJobReuse(false);
        s.setBulkExportFileRetentionPeriodHours(2);
        s.setJobFastTrackingEnabled(true);
        return s;
    }

    @Bean
    public static BulkExportTweaks.FastMaintenance fastBatchMaintenance() {
        return new BulkExportTweaks.FastMaintenance();
    }

    @Bean
    public static BulkExportTweaks.PatientSinceFix patientExportSinceFix() {
        return new BulkExportTweaks.PatientSinceFix();
    }

    @Bean
    public PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    @Bean
    public SubscriptionSettings subscriptionSettings() {
        // No subscription channel types are enabled.
        return new SubscriptionSettings();
    }

    @Primary
    @Bean
    public LocalContainerEntityManagerFactoryBean entityManagerFactory(
            ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext,
            JpaStorageSettings storageSettings,
            JpaProperties jpaProperties,
            DataSource dataSource) {
        LocalContainerEntityManagerFactoryBean emf =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        Map<String, String> p = jpaProperties.getProperties();
        p.putIfAbsent(AvailableSettings.DIALECT, "ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect");
        p.putIfAbsent(AvailableSettings.HBM2DDL_AUTO, "update");
        p.putIfAbsent(AvailableSettings.SCANNER, "org.hibernate.boot.archive.scan.internal.DisabledScanner");
        p.putIfAbsent(AvailableSettings.IMPLICIT_NAMING_STRATEGY,
                "org.springframework.boot.orm.jpa.hibernate.SpringImplicitNamingStrategy");
        p.putIfAbsent(AvailableSettings.PHYSICAL_NAMING_STRATEGY,
                "org.hibernate.boot.model.naming.CamelCaseToUnderscoresNamingStrategy");
        p.putIfAbsent(AvailableSettings.STATEMENT_BATCH_SIZE, "20");
        p.putIfAbsent(AvailableSettings.USE_QUERY_CACHE, "false");
        p.putIfAbsent(AvailableSettings.USE_SECOND_LEVEL_CACHE, "false");
        p.putIfAbsent(AvailableSettings.SHOW_SQL, "false");
        // No Hibernate Search (Lucene/Elasticsearch) indexing.
        p.putIfAbsent("hibernate.search.enabled", "false");
        emf.setPersistenceUnitName("HAPI_PU");
        emf.setJpaPropertyMap(p);
        emf.setDataSource(dataSource);
        return emf;
    }

    @Primary
    @Bean
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        JpaTransactionManager tm = new JpaTransactionManager();
        tm.setEntityManagerFactory(entityManagerFactory);
        return tm;
    }

    /** Binary content (bulk export NDJSON files) is kept in the database. */
    @Bean
    public DatabaseBinaryContentStorageSvcImpl binaryStorageSvc() {
        return new DatabaseBinaryContentStorageSvcImpl();
    }

    @Bean
    public RestfulServer restfulServer(
            IFhirSystemDao<?, ?> systemDao,
            ResourceProviderFactory resourceProviderFactory,
            IJpaSystemProvider jpaSystemProvider,
            JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry,
            IValidationSupport validationSupport,
            DatabaseBackedPagingProvider pagingProvider,
            BulkDataExportProvider bulkDataExportProvider,
            IJobCoordinator jobCoordinator,
            DaoRegistry daoRegistry) {
        FhirContext ctx = systemDao.getContext();
        ctx.setNarrativeGenerator(new NullNarrativeGenerator());

        RestfulServer server = new RestfulServer(ctx);
        server.registerProviders(resourceProviderFactory.createProviders());
        server.registerProvider(jpaSystemProvider);
        server.registerProvider(bulkDataExportProvider);
        server.registerInterceptor(new BulkExportTweaks.DeleteCompletedExport(jobCoordinator, daoRegistry));

        JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilities.setImplementationDescription("prescreen test FHIR server (HAPI FHIR R4 JPA)");
        server.setServerConformanceProvider(capabilities);

        pagingProvider.setDefaultPageSize(DEFAULT_PAGE_SIZE);
        pagingProvider.setMaximumPageSize(MAX_PAGE_SIZE);
        server.setPagingProvider(pagingProvider);

        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.setDefaultPrettyPrint(false);
        server.setServerAddressStrategy(new IncomingRequestAddressStrategy());

        LoggingInterceptor logging = new LoggingInterceptor();
        logging.setLoggerName("fhir.request");
        logging.setMessageFormat(
                "${requestVerb} ${requestUrl} -> ${operationType} ${idOrResourceName} in ${processingTimeMillis} ms");
        logging.setErrorMessageFormat("ERROR ${requestVerb} ${requestUrl} -> ${exceptionMessage}");
        logging.setLogExceptions(true);
        server.registerInterceptor(logging);
        return server;
    }

    @Bean
    public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer restfulServer) {
        ServletRegistrationBean<RestfulServer> reg = new ServletRegistrationBean<>(restfulServer, "/fhir/*");
        reg.setName("fhir");
        reg.setLoadOnStartup(1);
        return reg;
    }
}
