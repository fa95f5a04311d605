package mirosim

import (
	"encoding/json"
	"errors"
	"strings"
)

// A small SCIM filter (RFC 7644 §3.4.2.2): attrPath op value, pr, and/or/not, parentheses. Enough for the
// filters IdPs and connectors send (userName eq "x", active eq true, groups.value eq "id", ...).

type fnode struct {
	op        string // and, or, not, pr, eq, ne, co, sw, ew, gt, ge, lt, le
	l, r      *fnode
	attr, val string // attr is normalized (lower case, enterprise URN stripped to "ent:")
}

var filterAttrs = map[string]bool{"id": true, "username": true, "displayname": true, "name.givenname": true,
	"name.familyname": true, "name.formatted": true, "active": true, "usertype": true, "emails": true,
	"emails.value": true, "groups": true, "groups.value": true, "roles": true, "roles.value": true,
	"externalid": true, "ent:department": true, "ent:employeenumber": true, "ent:costcenter": true,
	"ent:manager": true, "ent:manager.value": true}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true,
	"ge": true, "lt": true, "le": true}

type ftok struct {
	s      string
	quoted bool
}

func lexFilter(in string) ([]ftok, error) {
	var toks []ftok
	for i := 0; i < len(in); {
		switch c := in[i]; c {
		case ' ', '\t':
			i++
		case '(', ')':
			toks = append(toks, ftok{s: string(c)})
			i++
		case '"':
			j := i + 1
			for ; j < len(in) && in[j] != '"'; j++ {
				if in[j] == '\\' {
					j++
				}
			}
			if j >= len(in) {
				return nil, errors.New("unterminated string in filter")
			}
			var s string
			if err := json.Unmarshal([]byte(in[i:j+1]), &s); err != nil {
				return nil, errors.New("bad string in filter")
			}
			toks = append(toks, ftok{s: s, quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(in) && !strings.ContainsRune(" \t()\"", rune(in[j])) {
				j++
			}
			toks = append(toks, ftok{s: in[i:j]})
			i = j
		}
	}
	return toks, nil
}

type fparser struct {
	toks []ftok
	i    int
}

func (p *fparser) word(w string) bool {
	if p.i < len(p.toks) && !p.toks[p.i].quoted && strings.EqualFold(p.toks[p.i].s, w) {
		p.i++
		return true
	}
	return false
}

func (p *fparser) next() (ftok, error) {
	if p.i >= len(p.toks) {
		return ftok{}, errors.New("filter ends too early")
	}
	p.i++
	return p.toks[p.i-1], nil
}

func (p *fparser) binary(op string, sub func() (*fnode, error)) (*fnode, error) {
	l, err := sub()
	for err == nil && p.word(op) {
		var r *fnode
		if r, err = sub(); err == nil {
			l = &fnode{op: op, l: l, r: r}
		}
	}
	return l, err
}

func (p *fparser) or() (*fnode, error)  { return p.binary("or", p.and) }
func (p *fparser) and() (*fnode, error) { return p.binary("and", p.unary) }

func (p *fparser) group() (*fnode, error) {
	n, err := p.or()
	if err == nil && !p.word(")") {
		err = errors.New("missing ) in filter")
	}
	return n, err
}

func (p *fparser) unary() (*fnode, error) {
	if p.word("not") {
		if !p.word("(") {
			return nil, errors.New("not must be followed by (")
		}
		n, err := p.group()
		return &fnode{op: "not", l: n}, err
	}
	if p.word("(") {
		return p.group()
	}
	a, err := p.next()
	if err != nil {
		return nil, err
	}
	attr := strings.ToLower(a.s)
	if ent := strings.ToLower(scimEntSchema) + ":"; strings.HasPrefix(attr, ent) {
		attr = "ent:" + attr[len(ent):]
	}
	if a.quoted || !filterAttrs[attr] {
		return nil, errors.New("unsupported filter attribute " + a.s)
	}
	o, err := p.next()
	if err != nil {
		return nil, err
	}
	op := strings.ToLower(o.s)
	if op == "pr" {
		return &fnode{op: op, attr: attr}, nil
	}
	if o.quoted || !compareOps[op] {
		return nil, errors.New("unsupported filter operator " + o.s)
	}
	v, err := p.next()
	if err != nil {
		return nil, err
	}
	if !v.quoted && (v.s == "(" || v.s == ")") {
		return nil, errors.New("missing comparison value")
	}
	return &fnode{op: op, attr: attr, val: v.s}, nil
}

func parseFilter(s string) (*fnode, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &fparser{toks: toks}
	n, err := p.or()
	if err == nil && p.i != len(toks) {
		err = errors.New("unexpected " + toks[p.i].s + " in filter")
	}
	return n, err
}

// uses reports whether the filter reads an attribute starting with prefix (nil filter: no).
func (n *fnode) uses(prefix string) bool {
	if n == nil {
		return false
	}
	return strings.HasPrefix(n.attr, prefix) || n.l.uses(prefix) || n.r.uses(prefix)
}

// eval matches case-insensitively, as SCIM does for userName and the other caseExact=false attributes.
func (n *fnode) eval(get func(string) []string) bool {
	switch n.op {
	case "and":
		return n.l.eval(get) && n.r.eval(get)
	case "or":
		return n.l.eval(get) || n.r.eval(get)
	case "not":
		return !n.l.eval(get)
	}
	vals := get(n.attr)
	if n.op == "pr" {
		for _, v := range vals {
			if v != "" {
				return true
			}
		}
		return false
	}
	if n.op == "ne" {
		for _, v := range vals {
			if strings.EqualFold(v, n.val) {
				return false
			}
		}
		return true
	}
	want := strings.ToLower(n.val)
	for _, v := range vals {
		v = strings.ToLower(v)
		var hit bool
		switch n.op {
		case "eq":
			hit = v == want
		case "co":
			hit = strings.Contains(v, want)
		case "sw":
			hit = strings.HasPrefix(v, want)
		case "ew":
			hit = strings.HasSuffix(v, want)
		case "gt":
			hit = v > want
		case "ge":
			hit = v >= want
		case "lt":
			hit = v < want
		case "le":
			hit = v <= want
		}
		if hit {
			return true
		}
	}
	return false
}

// attrValues gives a filter the values of one attribute of m; groups is needed for groups.*.
func (s *Server) attrValues(m *Member, attr string, groups map[string][]scimRef) []string {
	switch attr {
	case "id":
		return []string{m.ID}
	case "username", "emails", "emails.value":
		return []string{m.Email}
	case "displayname":
		return []string{m.DisplayName}
	case "name.givenname":
		return []string{m.GivenName}
	case "name.familyname":
		return []string{m.FamilyName}
	case "name.formatted":
		return []string{strings.TrimSpace(m.GivenName + " " + m.FamilyName)}
	case "active":
		if m.Active {
			return []string{"true"}
		}
		return []string{"false"}
	case "usertype":
		return []string{licenseLabel(m.License)}
	case "groups", "groups.value":
		var ids []string
		for _, g := range groups[m.ID] {
			ids = append(ids, g.Value)
		}
		return ids
	case "roles", "roles.value":
		vals := []string{primaryRoleValue(m.Role)}
		for _, r := range m.AdminRoles {
			vals = append(vals, r.Name)
		}
		return vals
	case "ent:department":
		return []string{m.Department}
	case "ent:employeenumber":
		return []string{m.EmployeeNumber}
	case "ent:costcenter":
		return []string{m.CostCenter}
	case "ent:manager", "ent:manager.value":
		return []string{m.ManagerID}
	}
	return nil
}
