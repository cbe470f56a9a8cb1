"""FHIR R4 facade (fhir.resources R4B models, JSON), read and search only, at /fhir/R4/.

- kinds.py: the resource types served, each with its policy scope, read and search;
- resources.py, measures.py: our records and the indicator registry as FHIR resources;
- codes.py: our code systems and the value-set check every response passes;
- search.py: parameters, paging, searchset Bundles; http.py: authentication and errors;
- capability.py: the CapabilityStatement, generated from kinds.KINDS.
"""
