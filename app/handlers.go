package main

import (
	"fmt"
	"log/slog"
	"net/http"
)

// handleHello greets the caller with the configured greeting and version.
func handleHello(greeting, version string) http.Handler {
	// Computed once, when the route is registered.
	body := fmt.Sprintf("%s from hello %s\n", greeting, version)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, body)
	})
}

// handleHealthz is the liveness probe: if the process can answer, it is alive.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
}

// handleReadyz is the readiness probe. It fails once shutdown has begun so
// that load balancers stop routing new requests to this instance.
func handleReadyz(logger *slog.Logger, ready *Readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ready.Ready() {
			logger.DebugContext(r.Context(), "readiness probe while draining")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "draining")
			return
		}
		fmt.Fprint(w, "ready")
	})
}
