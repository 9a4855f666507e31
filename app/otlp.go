package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpClient sends spans to an OTLP/HTTP collector as binary protobuf: the
// transport under the SDK's otlptrace exporter. It stands in for otlptracehttp,
// whose collector package links gRPC and grpc-gateway into the binary
// (+4.8 MB, half the image again) though HTTP never uses them. It reads its
// settings through getenv, like the rest of the service.
type otlpClient struct {
	url     string
	headers http.Header
	gzip    bool
	http    *http.Client
}

// newOTLPClient reads OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, _TIMEOUT and
// _COMPRESSION; the signal-specific variable wins.
func newOTLPClient(endpoint string, getenv func(string) string) (*otlpClient, error) {
	setting := func(name string) (string, string) {
		for _, v := range []string{"OTEL_EXPORTER_OTLP_TRACES_" + name, "OTEL_EXPORTER_OTLP_" + name} {
			if s := getenv(v); s != "" {
				return v, s
			}
		}
		return "", ""
	}
	c := &otlpClient{url: endpoint, headers: http.Header{}, http: &http.Client{Timeout: 10 * time.Second}}
	if _, err := url.ParseRequestURI(endpoint); err != nil || !strings.HasPrefix(endpoint, "http") {
		return nil, fmt.Errorf("OTLP endpoint %q is not an http(s) URL", endpoint)
	}
	if name, v := setting("HEADERS"); v != "" {
		for pair := range strings.SplitSeq(v, ",") {
			key, value, ok := strings.Cut(pair, "=")
			key, kerr := url.PathUnescape(strings.TrimSpace(key))
			value, verr := url.PathUnescape(strings.TrimSpace(value))
			if !ok || key == "" || kerr != nil || verr != nil {
				return nil, fmt.Errorf("%s: %q is not key=value", name, pair)
			}
			c.headers.Add(key, value)
		}
	}
	if name, v := setting("TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("%s=%q is not a number of milliseconds", name, v)
		}
		c.http.Timeout = time.Duration(ms) * time.Millisecond
	}
	switch name, v := setting("COMPRESSION"); v {
	case "", "none":
	case "gzip":
		c.gzip = true
	default:
		return nil, fmt.Errorf("%s=%q is not supported (gzip or none)", name, v)
	}
	return c, nil
}

func (c *otlpClient) Start(context.Context) error { return nil }

func (c *otlpClient) Stop(context.Context) error {
	c.http.CloseIdleConnections()
	return nil
}

// UploadTraces posts one export request. TracesData has the wire format of
// ExportTraceServiceRequest (both are `repeated ResourceSpans = 1`).
func (c *otlpClient) UploadTraces(ctx context.Context, spans []*tracepb.ResourceSpans) error {
	body, err := proto.Marshal(&tracepb.TracesData{ResourceSpans: spans})
	if err != nil {
		return fmt.Errorf("otlp: encode: %w", err)
	}
	if c.gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(body); err != nil {
			return fmt.Errorf("otlp: gzip: %w", err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("otlp: gzip: %w", err)
		}
		body = buf.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	for k, v := range c.headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("otlp: %s answered %s: %s", c.url, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
