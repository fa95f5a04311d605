package mirosim

import (
	"encoding/base64"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// generateBoards makes projects and boards from a PRNG stream of their own. Boards per team follow a
// Zipf-like curve (three teams past 130/75/55 boards, ~15% of the rest none); a board has an owner and a
// few more members, mostly from its team (the first two boards of the busiest team have 80 and 55; ~2.5% of
// the others 51-150); about 40% of the boards of a team with projects are in one of them.
func generateBoards(o GenOptions, org *Org) ([]Project, []Board) {
	members, teams := org.Members, org.Teams
	n, t := len(members), len(teams)
	if n == 0 || t == 0 {
		return nil, nil
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x626f61726473)) // "boards"
	index := make(map[string]int, n)
	for i := range members {
		index[members[i].ID] = i
	}
	pools := make([][]int, t) // team index -> member indices of its direct members
	for ti := range teams {
		for _, tm := range teams[ti].Members {
			pools[ti] = append(pools[ti], index[tm.UserID])
		}
	}
	mark := make([]int32, n)
	stamp := int32(0)
	pickFrom := func(k int, pool []int, inPool int) []int {
		stamp++
		return pickUsers(r, min(k, n), n, pool, inPool, mark, stamp)
	}

	projects, byTeam := generateProjects(r, org, pools, pickFrom)

	counts := make([]int, t) // by rank
	for k := range counts {
		c := int(120/float64(k+1) + 0.5)
		switch {
		case k < 3:
			c = max(c, []int{130, 75, 55}[k])
		case r.IntN(100) < 15:
			c = 0
		case c < 4:
			c = r.IntN(5)
		}
		counts[k] = c
	}
	order := r.Perm(t) // rank -> team index
	var boards []Board
	seen := map[string]bool{}
	for rank, ti := range order {
		team := &teams[ti]
		for j := range counts[rank] {
			b := Board{TeamID: team.ID}
			for b.ID == "" || seen[b.ID] {
				var raw [5]byte
				for x := range raw {
					raw[x] = byte(r.IntN(256))
				}
				b.ID = "uXjV" + base64.URLEncoding.EncodeToString(raw[:])
			}
			seen[b.ID] = true
			b.Name = boardNames[r.IntN(len(boardNames))] + " " + strconv.Itoa(len(boards)+1)
			b.Description = boardDescriptions[r.IntN(len(boardDescriptions))]
			b.CreatedAt = msTime(r, 3*365*24*time.Hour)
			b.ModifiedAt = b.CreatedAt.Add(time.Duration(r.Int64N(int64(genEpoch.Sub(b.CreatedAt)) + 1))).
				Truncate(time.Millisecond)
			if ps := byTeam[ti]; len(ps) > 0 && r.IntN(10) < 4 {
				b.ProjectID = ps[r.IntN(len(ps))]
			}
			k := 1 + r.IntN(8)
			switch {
			case rank == 0 && j == 0:
				k = 80
			case rank == 0 && j == 1:
				k = 55
			case r.IntN(40) == 0:
				k = 51 + r.IntN(100)
			}
			picked := pickFrom(k, pools[ti], 70)
			b.OwnerID = members[picked[0]].ID
			b.Members = make([]BoardMember, len(picked))
			for x, u := range picked {
				role := "owner"
				if x > 0 {
					role = pick(r, boardRoleWeights)
				}
				b.Members[x] = BoardMember{UserID: members[u].ID, Role: role}
			}
			slices.SortFunc(b.Members, func(a, c BoardMember) int { return strings.Compare(a.UserID, c.UserID) })
			p := &b.Policy
			p.CollaborationToolsStartAccess = pick(r, collabToolWeights)
			p.CopyAccess = pick(r, copyAccessWeights)
			p.SharingAccess = pick(r, sharingWeights)
			p.Access = pick(r, publicWeights)
			p.AccessPasswordRequired = p.Access != "private" && r.IntN(5) == 0
			p.InviteToAccountAndBoardLinkAccess = "no_access"
			p.OrganizationAccess = pick(r, orgAccessWeights)
			p.TeamAccess = pick(r, teamAccessWeights)
			boards = append(boards, b)
		}
	}
	slices.SortFunc(boards, func(a, b Board) int { return strings.Compare(a.ID, b.ID) })
	return projects, boards
}

// pickUsers picks k ≤ n distinct member indices: the first from pool when it has any, then each from pool
// with probability inPool percent (until pool looks used up) and otherwise from the whole org.
func pickUsers(r *rand.Rand, k, n int, pool []int, inPool int, mark []int32, stamp int32) []int {
	picked := make([]int, 0, k)
	try := func(u int) bool {
		if mark[u] == stamp {
			return false
		}
		mark[u] = stamp
		picked = append(picked, u)
		return true
	}
	if len(pool) > 0 && k > 0 {
		try(pool[r.IntN(len(pool))])
	}
	misses := 0
	for len(picked) < k {
		if len(pool) > 0 && misses < 2*len(pool)+8 && r.IntN(100) < inPool {
			if !try(pool[r.IntN(len(pool))]) {
				misses++
			}
		} else {
			try(r.IntN(n))
		}
	}
	return picked
}
