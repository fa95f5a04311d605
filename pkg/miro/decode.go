package miro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// decodeBody decodes a 2xx JSON body. A wrong Content-Type alone is tolerated
// (the body decides); a body that is not JSON gets a message that names the
// content type, since an HTML page usually means a proxy or captive portal.
// retry says whether trying again may help: yes for a body cut short and for a
// page that is not JSON at all (a proxy's page comes and goes), no for JSON of
// the wrong shape (a string where Miro documents a boolean, say), which the
// same server will send again. page names the page of a list call ("" else).
func decodeBody(resp *Response, body *httpResult, out any, token, page string) (retry bool, err error) {
	err = json.Unmarshal(body.data, out)
	if err == nil {
		return false, nil
	}
	of := ""
	if page != "" {
		of = " of " + page
	}
	mediaType, _, _ := mime.ParseMediaType(body.contentType)
	if mediaType != "" && !strings.Contains(mediaType, "json") {
		return true, fmt.Errorf("expected a JSON response%s but got Content-Type %q (HTTP %d): is a proxy or captive portal in the way? body starts %q",
			of, body.contentType, resp.StatusCode, truncate(redactToken(string(body.data), token), 60))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(body.data, " \t\r\n"))) || len(bytes.TrimSpace(body.data)) == 0 {
		// Cut short: the rest may arrive next time.
		return true, fmt.Errorf("decoding JSON response%s (HTTP %d, %d bytes): %w", of, resp.StatusCode, len(body.data), err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return false, fmt.Errorf("decoding JSON response%s (HTTP %d, %d bytes): malformed: field %q%s is a JSON %s where Miro documents %s",
			of, resp.StatusCode, len(body.data), te.Field, describeItem(body.data, out), te.Value, te.Type)
	}
	return false, fmt.Errorf("decoding JSON response%s (HTTP %d, %d bytes): malformed: %s", of, resp.StatusCode, len(body.data),
		truncate(redactToken(err.Error(), token), 200))
}

// describeItem names the list item that failed to decode, when out is a
// cursor-paged envelope: its position in data and its id and email, if it has
// them ("" when it cannot tell).
func describeItem(data []byte, out any) string {
	t := reflect.TypeOf(out)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return ""
	}
	f, ok := t.Elem().FieldByName("Data")
	if !ok || f.Type.Kind() != reflect.Slice {
		return ""
	}
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(data, &env) != nil {
		return ""
	}
	for i, raw := range env.Data {
		if json.Unmarshal(raw, reflect.New(f.Type.Elem()).Interface()) == nil {
			continue
		}
		var named struct {
			ID    json.RawMessage `json:"id"`
			Email any             `json:"email"`
		}
		s := fmt.Sprintf(" of item %d", i+1)
		if json.Unmarshal(raw, &named) == nil {
			if len(named.ID) > 0 {
				s += " (id " + truncate(string(named.ID), 40)
				if e, ok := named.Email.(string); ok && e != "" {
					s += ", email " + truncate(e, 80)
				}
				s += ")"
			} else if e, ok := named.Email.(string); ok && e != "" {
				s += " (email " + truncate(e, 80) + ")"
			}
		}
		return s
	}
	return ""
}

// fillError copies Miro's error body (REST or SCIM shape) into e.
func fillError(e *Error, resp *Response, body *httpResult, token string) {
	e.StatusCode = resp.StatusCode
	e.RateLimit = resp.RateLimit
	if body == nil {
		return
	}
	var rest struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Detail   string `json:"detail"`
		SCIMType string `json:"scimType"`
	}
	if json.Unmarshal(body.data, &rest) == nil {
		e.Code = redactToken(firstNonEmpty(rest.Code, rest.SCIMType), token)
		e.Message = truncate(redactToken(firstNonEmpty(rest.Message, rest.Detail), token), 300)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
}

// redactToken removes the bearer token from text a server sent back (some
// proxies and error pages echo the Authorization header). It runs before any
// truncation, so not even a prefix of the token survives.
func redactToken(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "[redacted]")
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
