"""fieldpilot.api: the REST API under `/api/v1` (FastAPI). May import everything below it
(bootstrap, config, storage, service, domain, ...), never cli or web.

    app.py          create_app(settings=None, *, services=None) -> FastAPI; OpenAPI, /docs, /health
    deps.py         Annotated dependencies: CurrentActor, BusDep, UowFactoryDep, IfMatch, IdempotencyKey
    auth.py         password sign-in, signed access tokens (JWT HS256), API keys
    problems.py     the one table from domain errors to RFC 9457 problem responses
    fingerprint.py  canonical-JSON fingerprints of creating requests (Idempotency-Key)
    threaded.py     serve an app in a background thread (end-to-end tests, benchmarks)
    schemas/        request/response models, converted to domain values at the boundary
    routers/        one module per resource family; access is declared per route and decided
                    by fieldpilot.service.permissions
"""
