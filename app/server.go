package main

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
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

	// TracerProvider makes a server span per request (named "GET /healthz"
	// after the route). If nil, no span is made; an incoming W3C traceparent
	// still reaches the logs through Propagator (default: trace context).
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
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
	return traced(cfg, handler)
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

// traced starts a server span around every request, so the access log line
// and anything logged with the request's context carry its trace and span ids.
// Without a tracer provider no span is made, but a caller's traceparent still
// reaches the logs.
func traced(cfg Config, next http.Handler) http.Handler {
	prop := cfg.Propagator
	if prop == nil {
		prop = propagation.TraceContext{}
	}
	if cfg.TracerProvider == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))))
		})
	}
	return otelhttp.NewHandler(withRoute(next), "http",
		otelhttp.WithTracerProvider(cfg.TracerProvider),
		otelhttp.WithPropagators(prop),
		// "GET /healthz": method and route, never the raw path (unmatched: the method alone).
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Method + " " + route(r.Pattern)
			}
			return r.Method
		}),
	)
}

// withRoute names the matched route on the request's span (http.route), as
// the metrics label it: "/healthz", and "/" for the root.
func withRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Pattern != "" {
			trace.SpanFromContext(r.Context()).SetAttributes(semconv.HTTPRoute(route(r.Pattern)))
		}
	})
}

// route is a ServeMux pattern without its method ("GET /healthz" -> "/healthz", "GET /{$}" -> "/").
func route(pattern string) string {
	if _, path, found := strings.Cut(pattern, " "); found {
		pattern = path
	}
	return strings.TrimSuffix(pattern, "{$}")
}
