"""The framework floor: a bare Flask app, served by gunicorn exactly as the services are.

POST /hello reads the request body (as /verify must) and answers a small JSON
object; nothing else happens. `make bench` compares /verify with it.
"""

from __future__ import annotations

from flask import Flask, Response, request


def create_app() -> Flask:
    app = Flask("hello", static_folder=None)

    @app.post("/hello")
    def hello() -> Response:
        request.get_data()
        return app.json.response({"hello": "world"})

    @app.get("/health")
    def health() -> Response:
        return app.json.response({"status": "ok"})

    return app
