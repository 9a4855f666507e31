package main

import (
	"log/slog"
	"net/http"
)

// addRoutes maps the entire API surface of the service in one place.
// Each route is wrapped by the metrics middleware, labelled with its path.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, cfg Config, m *metrics) {
	handle := func(method, path string, h http.Handler) {
		mux.Handle(method+" "+path, m.instrument(path, h))
	}

	// "/{$}" matches only the root, so unknown paths get a 404
	// instead of the greeting.
	mux.Handle("GET /{$}", m.instrument("/", handleHello(cfg.Greeting, cfg.Version)))
	handle("GET", "/healthz", handleHealthz())
	handle("GET", "/readyz", handleReadyz(logger, cfg.Readiness))
	handle("GET", "/metrics", m.handler())
}
