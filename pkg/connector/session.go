package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"slices"

	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The sync's session store as the binary really reaches it: over the SDK's
// gRPC session service, whose requests are validated
// (proto/c1/connectorapi/baton/v1/session.proto): keys of 1–512 characters,
// SetMany 1–100 pairs, GetMany 1–100 distinct keys, and a GetMany may answer
// part of its keys as unprocessed. Every use in this package goes through the
// helpers below, and every caller says what an error costs: a bookkeeping
// failure may cost API calls, never a grant, resource or entitlement.

// maxSessionKey is the longest key the session service accepts.
const maxSessionKey = 512

// sessionKey is prefix+s, or prefix and a hash of s when that would be longer
// than the session service accepts (a cursor is whatever Miro sends).
func sessionKey(prefix, s string) string {
	if len(prefix)+len(s) <= maxSessionKey {
		return prefix + s
	}
	sum := sha256.Sum256([]byte(s))
	return prefix + "sha256:" + hex.EncodeToString(sum[:])
}

// sessionGetMany reads keys in requests of at most 100, asking again for the
// keys a request answered as unprocessed. A key absent from the result is
// absent from the store; on an error nothing is known, and the caller must
// not read any key as absent.
func sessionGetMany(ctx context.Context, ss sessions.SessionStore, keys []string) (map[string][]byte, error) {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var err error
	for range sessionReadAttempts {
		var got map[string][]byte
		if got, err = session.UnrollGetMany[[]byte](ctx, ss, keys); err == nil {
			return got, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("reading %d keys from the sync's session store: %w", len(keys), err)
}

// sessionReadAttempts: the store is in this process's parent, on loopback; a
// read that failed is asked again at once, a few times, before the caller
// pays for it (with API calls, or a failed call the SDK retries).
const sessionReadAttempts = 3

// sessionSetMany writes pairs in requests of at most 100 pairs (and under the
// service's message size). On an error some pairs may have been written.
func sessionSetMany(ctx context.Context, ss sessions.SessionStore, pairs map[string][]byte) error {
	if len(pairs) == 0 {
		return nil
	}
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic requests
	items := func(yield func(session.SizedItem[[]byte], error) bool) {
		for _, k := range keys {
			v := pairs[k]
			if !yield(session.SizedItem[[]byte]{Key: k, Value: v, Size: len(k) + len(v)}, nil) {
				return
			}
		}
	}
	if err := session.UnrollSetMany(ctx, ss, iter.Seq2[session.SizedItem[[]byte], error](items)); err != nil {
		return fmt.Errorf("writing %d keys to the sync's session store: %w", len(pairs), err)
	}
	return nil
}

// storeRetries is how many times in a row a sync lets the SDK retry a call
// that failed only because the session store did not answer. The SDK retries
// Unavailable without end (waiting 1 s, 2 s, … between tries), and each try
// reads Miro again, so a store that stays away would hold the sync in a loop;
// past this the sync fails, naming the store.
const storeRetries = 3

// storeFailed is what a call that cannot be answered without the session
// store (the SCIM profiles are kept only there) returns to the SDK:
// Unavailable, which the SDK retries, for the first storeRetries failures in
// a row of the sync; then Aborted, which ends the sync.
func storeFailed(ctx context.Context, sc *syncScope, doing string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", doing, err) // the sync is stopping: not the store's failure
	}
	sc.mu.Lock()
	sc.storeFailures++
	n := sc.storeFailures
	sc.mu.Unlock()
	if n > storeRetries {
		return status.Errorf(codes.Aborted, "%s: the sync's session store failed %d times in a row; ending the sync "+
			"rather than reading Miro again without end: %v", doing, n, err)
	}
	return status.Errorf(codes.Unavailable, "%s: the sync's session store did not answer (failure %d in a row; the sync "+
		"ends after %d): %v", doing, n, storeRetries+1, err)
}

// storeAnswered ends a run of failures of the session store.
func storeAnswered(sc *syncScope) {
	sc.mu.Lock()
	sc.storeFailures = 0
	sc.mu.Unlock()
}
