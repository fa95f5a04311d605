package c1sim

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// tokenHandler is POST /auth/v1/token (OAuth client credentials with a JWT
// client assertion, RFC 7523), as ugrpc.c1TokenSource calls it.
func (s *Server) tokenHandler(w http.ResponseWriter, r *http.Request) {
	status, reason := s.issue(w, r)
	s.record(Call{Method: "POST /auth/v1/token", Code: status, Detail: reason})
}

// issue answers the token request and returns the HTTP status and, on a
// refusal, why (never a secret).
func (s *Server) issue(w http.ResponseWriter, r *http.Request) (int, string) {
	refuse := func(status int, code, reason string) (int, string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": reason})
		return status, reason
	}
	if r.Method != http.MethodPost {
		return refuse(http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		return refuse(http.StatusBadRequest, "invalid_request", "content type "+ct)
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return refuse(http.StatusBadRequest, "invalid_request", "form: "+err.Error())
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		return refuse(http.StatusBadRequest, "unsupported_grant_type", "grant_type "+f.Get("grant_type"))
	case f.Get("client_assertion_type") != assertionType:
		return refuse(http.StatusBadRequest, "invalid_request", "client_assertion_type "+f.Get("client_assertion_type"))
	case f.Get("client_id") != s.clientID:
		return refuse(http.StatusUnauthorized, "invalid_client", "unknown client_id")
	}
	tok, err := jwt.ParseSigned(f.Get("client_assertion"), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return refuse(http.StatusUnauthorized, "invalid_client", "assertion is not an EdDSA JWS: "+err.Error())
	}
	var claims jwt.Claims
	if err := tok.Claims(s.pub, &claims); err != nil {
		return refuse(http.StatusUnauthorized, "invalid_client", "assertion signature: "+err.Error())
	}
	now := s.opts.Now()
	if err := claims.ValidateWithLeeway(jwt.Expected{
		Issuer: s.clientID, Subject: s.clientID, AnyAudience: jwt.Audience{s.opts.Tenant}, Time: now,
	}, 30*time.Second); err != nil {
		return refuse(http.StatusUnauthorized, "invalid_client", "assertion claims: "+err.Error())
	}
	if claims.Expiry == nil || claims.Expiry.Time().Sub(now) > 10*time.Minute {
		return refuse(http.StatusUnauthorized, "invalid_client", "assertion must expire within 10 minutes")
	}
	nonce := ""
	if len(tok.Headers) == 1 {
		nonce = tok.Headers[0].Nonce
	}
	s.mu.Lock()
	seen := s.nonces[nonce]
	if nonce != "" {
		s.nonces[nonce] = true
	}
	s.mu.Unlock()
	switch {
	case nonce == "":
		return refuse(http.StatusUnauthorized, "invalid_client", "assertion has no nonce")
	case seen:
		return refuse(http.StatusUnauthorized, "invalid_client", "assertion replayed (nonce seen before)")
	}
	access := "c1sim-at-" + randomString(24)
	s.mu.Lock()
	s.tokens[access] = now.Add(s.opts.TokenTTL)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(s.opts.TokenTTL / time.Second),
	})
	return http.StatusOK, ""
}

// tokenValid reports whether the "authorization" metadata value carries a live token.
func (s *Server) tokenValid(auth string) bool {
	const prefix = "Bearer "
	if len(auth) <= len(prefix) || auth[:len(prefix)] != prefix {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[auth[len(prefix):]]
	return ok && s.opts.Now().Before(exp)
}
