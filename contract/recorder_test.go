package contract

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// exchange is one request and the answer it got, as they crossed the proxy.
type exchange struct {
	Step       string // what the test was doing ("sync", "client", "raw", "provoked 404", …)
	Source     string // "client" (pkg/miro) or "raw" (a request the test built by hand)
	BadRequest bool   // the request is deliberately outside the spec (a provoked 400)
	Method     string
	URL        *url.URL // path and query as the client sent them
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	Done       time.Time // when the answer had passed the proxy
}

// Labels travel with each request as headers, set by the test's transports (labelTransport) and by raw
// requests; the recorder takes them off before the request reaches the simulator. A label per request, not a
// "current step" switch, keeps late arrivals (a request still in flight when a step ends) correctly filed.
const (
	hdrStep   = "X-Contract-Step"
	hdrSource = "X-Contract-Source"
	hdrBad    = "X-Contract-Bad-Request"
)

// labelTransport labels every request of a client.
type labelTransport struct {
	base         http.RoundTripper
	step, source string
}

func (l labelTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set(hdrStep, l.step)
	req.Header.Set(hdrSource, l.source)
	return l.base.RoundTrip(req)
}

// recorder is a reverse proxy in front of the simulator that keeps every exchange. The test, not the
// simulator, does the recording, so what is checked is what crossed the wire.
type recorder struct {
	proxy *httputil.ReverseProxy

	mu  sync.Mutex
	log []exchange
}

func newRecorder(target *url.URL) *recorder {
	r := &recorder{}
	r.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		// Pass every byte on as it comes; the recording copies it on the way.
		FlushInterval: -1,
	}
	return r
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.log...)
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "recorder: reading request body: "+err.Error(), http.StatusBadGateway)
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	u := *req.URL
	ex := exchange{Step: req.Header.Get(hdrStep), Source: req.Header.Get(hdrSource),
		BadRequest: req.Header.Get(hdrBad) == "true", Method: req.Method, URL: &u, ReqBody: body}
	if ex.Step == "" {
		ex.Step, ex.Source = "unlabelled", "unknown"
	}
	for _, h := range []string{hdrStep, hdrSource, hdrBad} {
		req.Header.Del(h)
	}
	ex.ReqHeader = req.Header.Clone()
	cw := &captureWriter{ResponseWriter: w}
	r.proxy.ServeHTTP(cw, req)
	ex.Status = cw.status
	if ex.Status == 0 {
		ex.Status = http.StatusOK
	}
	ex.RespHeader = w.Header().Clone()
	ex.RespBody = cw.buf.Bytes()
	ex.Done = time.Now()
	r.mu.Lock()
	r.log = append(r.log, ex)
	r.mu.Unlock()
}

// captureWriter passes an answer through and keeps a copy.
type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
