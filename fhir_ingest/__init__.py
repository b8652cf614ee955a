"""fhir_ingest"""
