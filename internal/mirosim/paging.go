package mirosim

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

type cursorList struct {
	Limit  int    `json:"limit"`
	Size   int    `json:"size"`
	Cursor string `json:"cursor,omitempty"`
	Type   string `json:"type"`
	Data   any    `json:"data"`
}

// pageAfter returns up to limit items of items (sorted by key) with a key greater than after that pass keep,
// and the key to continue from when more remain. It applies the malformations that change a page's items.
func pageAfter[T any](items []T, key func(*T) string, keep func(*T) bool, after string, limit int,
	mal Malformation) (out []*T, next string) {
	i := sort.Search(len(items), func(j int) bool { return key(&items[j]) > after })
	want := limit
	if mal == MalformedOverLimit {
		want++
	}
	if mal == MalformedDuplicates && after != "" && i > 0 && key(&items[i-1]) == after && keep(&items[i-1]) {
		out = append(out, &items[i-1])
		if limit > 1 {
			want-- // the repeat takes a slot, so the page still looks well-sized
		}
	}
	n := 0
	for ; i < len(items); i++ {
		if !keep(&items[i]) {
			continue
		}
		if n == want {
			return out, key(out[len(out)-1])
		}
		out = append(out, &items[i])
		n++
	}
	return out, ""
}

// cursorFor turns the next key into the response cursor and applies the cursor malformations; it reports
// whether the page's data must be emptied.
func (c *call) cursorFor(next string, enc func(string) string) (string, bool) {
	raw := c.r.URL.Query().Get("cursor")
	cursor := ""
	if next != "" {
		cursor = enc(next)
	}
	switch c.mal {
	case MalformedCursorLoop:
		if raw != "" {
			cursor = raw
		}
	case MalformedEmptyDataCursor:
		if cursor == "" {
			cursor = raw
		}
		if cursor == "" {
			cursor = enc("0")
		}
		return cursor, true
	}
	return cursor, false
}

// cursorPage answers one page of a cursor list; enc turns the last key of
// the page into the next cursor. The malformations of cursorFor apply.
func cursorPage[T any](c *call, limit int, next string, enc func(string) string, data []T) answer {
	cur, empty := c.cursorFor(next, enc)
	if empty {
		data = []T{}
	}
	return c.reply(http.StatusOK, cursorList{Limit: limit, Size: len(data), Cursor: cur, Type: "cursor-list", Data: data})
}

// Opaque cursors: base64 of a prefix and the last key. The prefix binds a cursor to its list, so a
// member id or another team's cursor is rejected instead of silently paging the wrong thing.
func encCursor(prefix, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + key))
}

// listCursor is the cursor encoder of the list that prefix names.
func listCursor(prefix string) func(string) string {
	return func(key string) string { return encCursor(prefix, key) }
}

func decCursor(prefix, cur string) (string, bool) {
	if cur == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil || !strings.HasPrefix(string(b), prefix) {
		return "", false
	}
	return string(b[len(prefix):]), true
}

// pageArgs validates a cursor list's limit and cursor, answering 400 itself
// when either is bad; prefix ties the opaque cursor to one list.
func (c *call) pageArgs(prefix string) (limit int, after string, ok bool) {
	if limit, ok = c.limit(); !ok {
		return 0, "", false
	}
	if after, ok = decCursor(prefix, c.r.URL.Query().Get("cursor")); !ok {
		c.invalidParam("cursor", "cursor is not valid")
		return 0, "", false
	}
	return limit, after, true
}

// limit parses Miro's limit parameter: 1..100, default 100.
func (c *call) limit() (int, bool) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return 100, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		c.invalidParam("limit", "limit must be an integer between 1 and 100")
		return 0, false
	}
	return n, true
}

type pageLinks struct {
	First string `json:"first"`
	Last  string `json:"last"`
	Next  string `json:"next,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Self  string `json:"self"`
}

// offsetList is the envelope of the boards API's offset-paged lists.
type offsetList struct {
	Data   any       `json:"data"`
	Total  int       `json:"total"`
	Size   int       `json:"size"`
	Offset int       `json:"offset"`
	Limit  int       `json:"limit"`
	Links  pageLinks `json:"links"`
	Type   string    `json:"type"`
}

// offsetParams parses limit (1..50, default 20) and offset (≥ 0, default 0). The spec types both as
// strings; anything but an integer in range is 400 invalidParameters.
func (c *call) offsetParams() (limit, offset int, ok bool) {
	q := c.r.URL.Query()
	limit = 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			c.invalidParam("limit", "limit must be an integer between 1 and 50")
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.invalidParam("offset", "offset must be a non-negative integer")
			return 0, 0, false
		}
		offset = n
	}
	return limit, offset, true
}

// offsetPage returns items[offset:offset+limit], broken as mal asks: over_limit adds one more item,
// duplicates starts a later page with the item before offset (and still holds limit new ones),
// empty_data_cursor returns nothing whatever total says.
func offsetPage[T any](items []T, offset, limit int, mal Malformation) []T {
	from, n := min(offset, len(items)), limit
	switch mal {
	case MalformedOverLimit:
		n++
	case MalformedDuplicates:
		if offset > 0 && offset <= len(items) {
			from--
			n++
		}
	case MalformedEmptyDataCursor:
		return nil
	}
	return items[from:min(from+n, len(items))]
}

// offsetLinks builds links for an offset page from the request's own URL. cursor_loop makes a later page's
// next link point at the page itself.
func (c *call) offsetLinks(total, offset, limit int) pageLinks {
	at := func(off int) string {
		q := c.r.URL.Query()
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		return c.absURL(c.r.URL.Path + "?" + q.Encode())
	}
	last := 0
	if total > 0 {
		last = (total - 1) / limit * limit
	}
	l := pageLinks{First: at(0), Last: at(last), Self: at(offset)}
	if offset+limit < total {
		l.Next = at(offset + limit)
	}
	if offset > 0 {
		l.Prev = at(max(0, offset-limit))
	}
	if c.mal == MalformedCursorLoop && offset > 0 {
		l.Next = l.Self
	}
	return l
}

// offsetReply answers one page (data) of an offset list of total items.
func offsetReply[T any](c *call, data []T, total, offset, limit int) answer {
	return c.reply(http.StatusOK, offsetList{Data: data, Total: total, Size: len(data), Offset: offset, Limit: limit,
		Links: c.offsetLinks(total, offset, limit), Type: "list"})
}
