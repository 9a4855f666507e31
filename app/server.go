package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// Config holds everything NewServer needs to build the service.
type Config struct {
	Port            string        // TCP port to listen on; "0" picks a free one.
	ShutdownTimeout time.Duration // Deadline for draining in-flight requests.
	Greeting        string        // First word of the GET / response.
	Version         string        // Build version reported by GET /.

	// Readiness is flipped to draining when shutdown begins. If nil,
	// NewServer uses its own and the service always reports ready.
	Readiness *Readiness
}

// Readiness tracks whether the service should receive new traffic. The zero
// value is ready. It is safe for concurrent use.
type Readiness struct {
	draining atomic.Bool
}

// StartDraining marks the service as not ready; /readyz then returns 503.
func (r *Readiness) StartDraining() { r.draining.Store(true) }

// Ready reports whether the service is accepting new traffic.
func (r *Readiness) Ready() bool { return !r.draining.Load() }

// NewServer builds the service's root handler: the routes plus the
// middleware that applies to all of them.
func NewServer(logger *slog.Logger, cfg Config) http.Handler {
	if cfg.Readiness == nil {
		cfg.Readiness = new(Readiness)
	}
	m := newMetrics()

	mux := http.NewServeMux()
	addRoutes(mux, logger, cfg, m)

	var handler http.Handler = mux
	handler = accessLog(logger, handler)
	return handler
}

// accessLog writes one structured log line per request, including requests
// that matched no route.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := newStatusRecorder(w)
		next.ServeHTTP(rec, r)
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			// ServeMux records the matched pattern on the request.
			slog.String("pattern", r.Pattern),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}
