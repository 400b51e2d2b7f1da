"""Real-framework apps (Connexion, FastAPI, fastapi-problem, Prism's mock, and a
careful Starlette RFC 9457 API): README.md says what each gets wrong."""
