package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// serviceName names the service in traces unless OTEL_SERVICE_NAME says otherwise.
const serviceName = "hello"

// observability is what the service exports besides its responses: traces
// over OTLP (when configured) and pprof on an admin port (when enabled).
// Metrics are served on the main port (/metrics) and logs go to stdout.
type observability struct {
	tracerProvider trace.TracerProvider // nil when tracing is off
	propagator     propagation.TextMapPropagator
	shutdowns      []func(context.Context) error
	logger         *slog.Logger
}

// startObservability reads the OTEL_* and PPROF_ADDR variables and starts
// what they ask for. Nothing is started when they are unset.
func startObservability(ctx context.Context, getenv func(string) string, logger *slog.Logger) (*observability, error) {
	obs := &observability{
		logger: logger,
		// W3C trace context and baggage: an incoming traceparent header
		// continues the caller's trace (and names it in the logs).
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}
	endpoint, err := tracesEndpoint(getenv)
	if err != nil {
		return nil, err
	}
	if endpoint != "" {
		client, err := newOTLPClient(endpoint, getenv)
		if err != nil {
			return nil, err
		}
		exporter, err := otlptrace.New(ctx, client)
		if err != nil {
			return nil, fmt.Errorf("otlp exporter: %w", err)
		}
		name := getenv("OTEL_SERVICE_NAME")
		if name == "" {
			name = serviceName
		}
		// OTEL_RESOURCE_ATTRIBUTES (read by the SDK) adds to these; the service name above wins.
		res, err := resource.Merge(resource.Environment(), resource.NewSchemaless(
			semconv.ServiceName(name), semconv.ServiceVersion(version),
		))
		if err != nil {
			return nil, fmt.Errorf("otel resource: %w", err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
		obs.tracerProvider = tp
		obs.shutdowns = append(obs.shutdowns, tp.Shutdown)
		logger.Info("tracing", "otlp_endpoint", endpoint, "service", name)
	}
	if addr := getenv("PPROF_ADDR"); addr != "" {
		stop, err := serveAdmin(addr, logger)
		if err != nil {
			_ = obs.shutdown(ctx)
			return nil, err
		}
		obs.shutdowns = append(obs.shutdowns, stop)
	}
	return obs, nil
}

// shutdown stops the admin server and flushes the spans not yet exported.
func (o *observability) shutdown(ctx context.Context) error {
	var errs []error
	for _, stop := range o.shutdowns {
		errs = append(errs, stop(ctx))
	}
	return errors.Join(errs...)
}

// close is shutdown within a deadline (an unreachable collector must not
// hold the process past its grace period); a failure is logged.
func (o *observability) close(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := o.shutdown(ctx); err != nil {
		o.logger.Warn("observability shutdown", "err", err)
	}
}

// tracesEndpoint returns the OTLP/HTTP URL spans are sent to, or "" when
// tracing is off: no endpoint set, OTEL_SDK_DISABLED=true, or
// OTEL_TRACES_EXPORTER=none.
func tracesEndpoint(getenv func(string) string) (string, error) {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return "", nil
	}
	switch exporter := getenv("OTEL_TRACES_EXPORTER"); exporter {
	case "", "otlp":
	case "none":
		return "", nil
	default:
		return "", fmt.Errorf("OTEL_TRACES_EXPORTER=%q is not supported (otlp or none)", exporter)
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := getenv(name); p != "" {
			if p != "http/protobuf" {
				return "", fmt.Errorf("%s=%q is not supported: this service exports http/protobuf", name, p)
			}
			break
		}
	}
	// The signal-specific variable is the full URL; the general one is a
	// base URL that gets /v1/traces appended, as the specification says.
	if url := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); url != "" {
		return url, nil
	}
	if base := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); base != "" {
		return strings.TrimRight(base, "/") + "/v1/traces", nil
	}
	return "", nil
}

// serveAdmin serves pprof on its own listener, never on the service's port.
func serveAdmin(addr string, logger *slog.Logger) (func(context.Context) error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pprof listen (PPROF_ADDR): %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	go func() {
		logger.Info("pprof listening", "addr", ln.Addr().String())
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof server", "err", err)
		}
	}()
	return srv.Shutdown, nil
}

// newLogHandler writes JSON logs; a record logged with a context that holds
// a span carries its trace_id and span_id.
func newLogHandler(w io.Writer) slog.Handler {
	return traceHandler{slog.NewJSONHandler(w, nil)}
}

type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}
