package prescreen.fhirserver;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.batch2.model.StatusEnum;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.BulkExportJobResults;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.jpa.bulk.export.api.IBulkExportProcessor;
import ca.uhn.fhir.jpa.bulk.export.model.ExportPIDIteratorParameters;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.api.server.storage.IResourcePersistentId;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.util.JsonUtil;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.r4.model.IdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Bulk Data export adjustments for a test server. */
final class BulkExportTweaks {

    private static final Logger LOG = LoggerFactory.getLogger(BulkExportTweaks.class);

    private BulkExportTweaks() {}

    /**
     * HAPI advances batch jobs in a maintenance pass that runs once a minute; run it every
     * second so a small export finishes in a few seconds.
     */
    static final class FastMaintenance implements BeanPostProcessor {
        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) {
            if (bean instanceof JobMaintenanceServiceImpl svc) {
                svc.setScheduledJobFrequencyMillis(1000);
            }
            return bean;
        }
    }

    /**
     * HAPI 8.8.0 ignores _since in patient-level exports (Patient/$export, Patient/[id]/$export):
     * its patient-style query is built without the date range, while system and group exports
     * apply it. This wraps the export processor and keeps, for patient-style exports with _since,
     * only the resources whose _lastUpdated lies in the requested range.
     */
    static final class PatientSinceFix implements BeanPostProcessor, ApplicationContextAware {
        private ApplicationContext context;

        @Override
        public void setApplicationContext(ApplicationContext applicationContext) {
            this.context = applicationContext;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            if (bean instanceof IBulkExportProcessor processor) {
                return new SinceFilteringProcessor(processor, () -> context.getBean(DaoRegistry.class));
            }
            return bean;
        }
    }

    static final class SinceFilteringProcessor<T extends IResourcePersistentId<?>> implements IBulkExportProcessor<T> {
        private final IBulkExportProcessor<T> delegate;
        private final Supplier<DaoRegistry> daos;

        SinceFilteringProcessor(IBulkExportProcessor<T> delegate, Supplier<DaoRegistry> daos) {
            this.delegate = delegate;
            this.daos = daos;
        }

        @Override
        public Iterator<T> getResourcePidIterator(ExportPIDIteratorParameters params) {
            Iterator<T> all = delegate.getResourcePidIterator(params);
            if (params.getExportStyle() != BulkExportJobParameters.ExportStyle.PATIENT
                    || (params.getStartDate() == null && params.getEndDate() == null)) {
                return all;
            }
            SearchParameterMap map = SearchParameterMap.newSynchronous();
            map.setLastUpdated(new DateRangeParam(params.getStartDate(), params.getEndDate()));
            List<T> changed = daos.get().getResourceDao(params.getResourceType())
                    .searchForIds(map, params.getRequestDetails());
            Set<T> keep = new HashSet<>(changed);
            List<T> result = new ArrayList<>();
            all.forEachRemaining(pid -> {
                if (keep.contains(pid)) {
                    result.add(pid);
                }
            });
            return result.iterator();
        }

        @Override
        public void expandMdmResources(List<IBaseResource> resources) {
            delegate.expandMdmResources(resources);
        }

        @Override
        public Set<String> getPatientSetForGroupExport(ExportPIDIteratorParameters params) {
            return delegate.getPatientSetForGroupExport(params);
        }

        @Override
        public Set<String> getPatientSetForPatientExport(ExportPIDIteratorParameters params) {
            return delegate.getPatientSetForPatientExport(params);
        }
    }

    /**
     * DELETE on the status URL of a finished export: HAPI answers 404 ("already completed"); the
     * Bulk Data spec wants 202. This deletes the job's NDJSON Binary files, answers 202, and makes
     * later polls of that job answer 404.
     */
    @Interceptor
    static final class DeleteCompletedExport {
        private final IJobCoordinator jobs;
        private final DaoRegistry daos;
        private final Set<String> deleted = ConcurrentHashMap.newKeySet();

        DeleteCompletedExport(IJobCoordinator jobs, DaoRegistry daos) {
            this.jobs = jobs;
            this.daos = daos;
        }

        @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
        public boolean handle(HttpServletRequest req, HttpServletResponse res) throws IOException {
            if (!req.getRequestURI().endsWith("/$export-poll-status")) {
                return true;
            }
            String jobId = req.getParameter("_jobId");
            if (jobId == null) {
                return true;
            }
            if (deleted.contains(jobId)) {
                write(res, 404, "error", "not-found", "Export job " + jobId + " was deleted");
                return false;
            }
            if (!"DELETE".equals(req.getMethod())) {
                return true;
            }
            JobInstance job;
            try {
                job = jobs.getInstance(jobId);
            } catch (ResourceNotFoundException e) {
                return true; // HAPI answers 404 itself
            }
            if (job.getStatus() != StatusEnum.COMPLETED) {
                return true; // HAPI cancels a running job and answers 202
            }
            int files = 0;
            if (job.getReport() != null) {
                BulkExportJobResults results = JsonUtil.deserialize(job.getReport(), BulkExportJobResults.class);
                Map<String, List<String>> byType = results.getResourceTypeToBinaryIds();
                if (byType != null) {
                    for (List<String> ids : byType.values()) {
                        for (String id : ids) {
                            try {
                                daos.getResourceDao("Binary").delete(new IdType(id), new SystemRequestDetails());
                                files++;
                            } catch (Exception e) {
                                LOG.warn("Could not delete {} of export {}: {}", id, jobId, e.getMessage());
                            }
                        }
                    }
                }
            }
            deleted.add(jobId);
            LOG.info("Deleted completed export {} ({} files)", jobId, files);
            write(res, 202, "information", "informational",
                    "Export job " + jobId + " deleted (" + files + " files)");
            return false;
        }

        private static void write(HttpServletResponse res, int status, String severity, String code, String text)
                throws IOException {
            res.setStatus(status);
            res.setContentType("application/fhir+json;charset=UTF-8");
            String body = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"" + severity
                    + "\",\"code\":\"" + code + "\",\"diagnostics\":\"" + text + "\"}]}";
            res.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
