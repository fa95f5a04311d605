package mirosim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (c *call) send(status int, ctype string, body []byte) {
	if body != nil {
		c.w.Header().Set("Content-Type", ctype)
		c.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "Data & Analytics" readable; still valid JSON
	_ = enc.Encode(v)
	return b.Bytes()
}

const (
	notJSON  = `{"type":"cursor-list","data":[{"id":"1",}` + "\x00"
	htmlPage = `<!DOCTYPE html><html><head><title>Miro</title></head><body><h1>Something went wrong</h1></body></html>`
)

// ok writes a successful answer (v nil = no body), broken as the route's Malformation asks.
func (c *call) ok(status int, v any) {
	ctype := "application/json"
	if c.scim {
		ctype = "application/scim+json"
	}
	var body []byte
	if v != nil {
		body = marshal(v)
	}
	switch c.mal {
	case MalformedJSON:
		c.send(http.StatusOK, ctype, []byte(notJSON))
	case MalformedHTML:
		c.send(http.StatusOK, "text/html; charset=utf-8", []byte(htmlPage))
	case MalformedContentType:
		c.send(status, "text/plain; charset=utf-8", body)
	default:
		c.send(status, ctype, body)
	}
}

type restErr struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Context any    `json:"context,omitempty"`
	Type    string `json:"type"`
}

func (c *call) restError(status int, code, msg string) {
	c.send(status, "application/json", marshal(restErr{Status: status, Code: code, Message: msg, Type: "error"}))
}

type fieldErr struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (c *call) invalidParam(field, msg string) {
	c.send(http.StatusBadRequest, "application/json", marshal(restErr{Status: 400, Code: "invalidParameters",
		Message: msg, Type: "error", Context: map[string][]fieldErr{"fields": {{Field: field, Message: msg}}}}))
}

func (c *call) scimError(status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	c.send(status, "application/scim+json", marshal(body))
}

func (c *call) decode(v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(c.w, c.r.Body, 1<<20)).Decode(v); err != nil {
		c.restError(http.StatusBadRequest, "invalidParameters", "Request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

const millisZ = "2006-01-02T15:04:05.000Z07:00"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(millisZ)
}

// absURL is the absolute URL of pathAndQuery on the host the request came to.
func (c *call) absURL(pathAndQuery string) string {
	scheme := "http://"
	if c.r.TLS != nil {
		scheme = "https://"
	}
	return scheme + c.r.Host + pathAndQuery
}

// huge makes a 1 MiB string ending in suffix, for MalformedHugeStrings.
func huge(suffix string) string { return strings.Repeat("x", 1<<20) + suffix }

// An answer is what a handler decided while it held s.mu; it runs once the lock is released, so no handler
// writes to a client under the org lock and none can return without releasing it.
type answer func()

// reading decides under the read lock of the org, then answers.
func (s *Server) reading(decide func() answer) { locked(s.mu.RLock, s.mu.RUnlock, decide)() }

// writing decides under the write lock of the org (decide may change it), then answers.
func (s *Server) writing(decide func() answer) { locked(s.mu.Lock, s.mu.Unlock, decide)() }

func locked(lock, unlock func(), decide func() answer) answer {
	lock()
	defer unlock()
	return decide()
}

// reply answers status with v, as ok does.
func (c *call) reply(status int, v any) answer { return func() { c.ok(status, v) } }

// refuse answers a REST error, as restError does.
func (c *call) refuse(status int, code, msg string) answer {
	return func() { c.restError(status, code, msg) }
}
