package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"go.opentelemetry.io/otel/trace"
)

// otlpReceiver is a minimal OTLP/HTTP trace collector: it decodes every
// protobuf export request posted to /v1/traces and keeps the spans.
type otlpReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	spans   []*tracepb.Span
	service []string // service.name of each span's resource
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	rcv := &otlpReceiver{}
	rcv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want a protobuf POST to /v1/traces", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rcv.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			name := attr(rs.GetResource().GetAttributes(), "service.name")
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					rcv.spans = append(rcv.spans, s)
					rcv.service = append(rcv.service, name)
				}
			}
		}
		rcv.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rcv.Close)
	return rcv
}

func attr(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			v := kv.GetValue()
			if s, ok := v.GetValue().(*commonpb.AnyValue_StringValue); ok {
				return s.StringValue
			}
			if i, ok := v.GetValue().(*commonpb.AnyValue_IntValue); ok {
				return strconv.FormatInt(i.IntValue, 10)
			}
		}
	}
	return ""
}

// logLine is the part of a JSON log line these tests read.
type logLine struct {
	Msg     string `json:"msg"`
	Addr    string `json:"addr"`
	Path    string `json:"path"`
	TraceID string `json:"trace_id"`
	SpanID  string `json:"span_id"`
}

// runningApp is run() on free ports with the given environment.
type runningApp struct {
	cancel context.CancelFunc
	done   chan error
	mu     sync.Mutex
	logs   []logLine
	logged chan struct{} // a "... listening" line arrived
}

func startApp(t *testing.T, env map[string]string) *runningApp {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	a := &runningApp{cancel: cancel, done: make(chan error, 1), logged: make(chan struct{}, 1)}
	pr, pw := io.Pipe()
	go func() {
		err := run(ctx, []string{"hello"}, func(k string) string { return env[k] }, pw)
		pw.Close()
		a.done <- err
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var line logLine
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			a.mu.Lock()
			a.logs = append(a.logs, line)
			a.mu.Unlock()
			if strings.HasSuffix(line.Msg, "listening") {
				select {
				case a.logged <- struct{}{}:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { a.stop(t) })
	return a
}

// url waits for the log line "<msg>" and returns its address as a URL.
func (a *runningApp) url(t *testing.T, msg string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		a.mu.Lock()
		for _, line := range a.logs {
			if line.Msg == msg {
				a.mu.Unlock()
				_, port, err := net.SplitHostPort(line.Addr)
				if err != nil {
					t.Fatalf("bad listen addr %q: %v", line.Addr, err)
				}
				return "http://" + net.JoinHostPort("127.0.0.1", port)
			}
		}
		a.mu.Unlock()
		select {
		case <-a.logged:
		case err := <-a.done:
			t.Fatalf("run returned before %q: %v", msg, err)
		case <-deadline:
			t.Fatalf("no %q log line within 10s", msg)
		}
	}
}

// stop cancels run (as SIGTERM does) and waits for it to return.
func (a *runningApp) stop(t *testing.T) {
	t.Helper()
	if a.cancel == nil {
		return
	}
	a.cancel()
	a.cancel = nil
	select {
	case err := <-a.done:
		if err != nil {
			t.Errorf("run returned %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func get(t *testing.T, url string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestTraceReachesOTLPReceiver runs the service with an OTLP endpoint, sends
// one request that continues a caller's trace, and checks the span the
// receiver got and the trace and span ids in the request's log line.
func TestTraceReachesOTLPReceiver(t *testing.T) {
	rcv := newOTLPReceiver(t)
	app := startApp(t, map[string]string{
		"PORT":                        "0",
		"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL,
		"OTEL_SERVICE_NAME":           "hello-under-test",
	})
	base := app.url(t, "listening")

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	header := http.Header{"Traceparent": {"00-" + traceID + "-" + parentID + "-01"}}
	if code := get(t, base+"/healthz", header); code != http.StatusOK {
		t.Fatalf("GET /healthz: status %d", code)
	}
	app.stop(t) // shutdown flushes the batch to the receiver

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.spans) != 1 {
		t.Fatalf("receiver got %d spans, want 1", len(rcv.spans))
	}
	span := rcv.spans[0]
	if got := hex.EncodeToString(span.GetTraceId()); got != traceID {
		t.Errorf("trace id = %s, want the caller's %s", got, traceID)
	}
	if got := hex.EncodeToString(span.GetParentSpanId()); got != parentID {
		t.Errorf("parent span id = %s, want the caller's %s", got, parentID)
	}
	if span.GetName() != "GET /healthz" {
		t.Errorf("span name = %q, want %q", span.GetName(), "GET /healthz")
	}
	if span.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("span kind = %v, want SERVER", span.GetKind())
	}
	if got := attr(span.GetAttributes(), "http.route"); got != "/healthz" {
		t.Errorf("http.route = %q, want /healthz", got)
	}
	if got := attr(span.GetAttributes(), "http.response.status_code"); got != "200" {
		t.Errorf("http.response.status_code = %q, want 200", got)
	}
	if rcv.service[0] != "hello-under-test" {
		t.Errorf("service.name = %q, want OTEL_SERVICE_NAME", rcv.service[0])
	}

	app.mu.Lock()
	defer app.mu.Unlock()
	var found bool
	for _, line := range app.logs {
		if line.Msg == "request" && line.Path == "/healthz" {
			found = true
			if line.TraceID != traceID || line.SpanID != hex.EncodeToString(span.GetSpanId()) {
				t.Errorf("request log has trace_id=%q span_id=%q, want %s and the span's %x",
					line.TraceID, line.SpanID, traceID, span.GetSpanId())
			}
		}
	}
	if !found {
		t.Error("no request log line for /healthz")
	}
}

func TestTracesEndpoint(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "unset: off", want: ""},
		{name: "base endpoint", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"}, want: "http://collector:4318/v1/traces"},
		{name: "traces endpoint wins", env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://collector:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://tempo:4318/custom",
		}, want: "https://tempo:4318/custom"},
		{name: "sdk disabled", env: map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, want: ""},
		{name: "exporter none", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, want: ""},
		{name: "http/protobuf", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, want: "http://c:4318/v1/traces"},
		{name: "grpc refused", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}, wantErr: "not supported"},
		{name: "zipkin refused", env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, wantErr: "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tracesEndpoint(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("tracesEndpoint = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestBadTracingConfigStopsRun(t *testing.T) {
	env := map[string]string{"PORT": "0", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"}
	err := run(t.Context(), nil, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "observability: OTEL_EXPORTER_OTLP_PROTOCOL") {
		t.Fatalf("run = %v, want the protocol named", err)
	}
}

func TestPprofOnlyOnTheAdminPort(t *testing.T) {
	app := startApp(t, map[string]string{"PORT": "0", "PPROF_ADDR": "127.0.0.1:0"})
	admin := app.url(t, "pprof listening")
	base := app.url(t, "listening")
	if code := get(t, admin+"/debug/pprof/cmdline", nil); code != http.StatusOK {
		t.Errorf("admin port: GET /debug/pprof/cmdline = %d, want 200", code)
	}
	if code := get(t, base+"/debug/pprof/cmdline", nil); code != http.StatusNotFound {
		t.Errorf("service port: GET /debug/pprof/cmdline = %d, want 404", code)
	}
}

func TestPprofOffByDefault(t *testing.T) {
	app := startApp(t, map[string]string{"PORT": "0"})
	app.url(t, "listening")
	app.stop(t)
	app.mu.Lock()
	defer app.mu.Unlock()
	for _, line := range app.logs {
		if line.Msg == "pprof listening" || line.Msg == "tracing" {
			t.Errorf("without PPROF_ADDR and OTEL_* the service logged %q", line.Msg)
		}
	}
}

func TestLogsCarryTheSpanIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(newLogHandler(&buf)).With("version", "v1")
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(t.Context(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))

	logger.InfoContext(ctx, "with span")
	logger.Info("without span")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var with, without logLine
	_ = json.Unmarshal([]byte(lines[0]), &with)
	_ = json.Unmarshal([]byte(lines[1]), &without)
	if with.TraceID != tid.String() || with.SpanID != sid.String() {
		t.Errorf("with a span: %s", lines[0])
	}
	if without.TraceID != "" || without.SpanID != "" {
		t.Errorf("without a span: %s", lines[1])
	}
}
