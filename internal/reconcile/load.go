package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
)

// Scope says which pages a sync must read: all of them, or only those of some
// keys, page ids and deleted manifest paths.
type Scope struct {
	All     bool
	Keys    []string // keys of the manifests in scope
	PageIDs []string // their notion_page_id values
	Deleted []string // manifest paths the diff removed (matched on the owner property)
}

// filterChunk is how many keys one filtered query asks for. Notion documents no
// cap on the members of an "or" filter; 50 keeps a request small and still makes
// a typical push (a handful of manifests) cost one query.
const filterChunk = 50

// fullQueryAbove is the number of keys above which one full paginated query is
// cheaper than filtered ones (a full query reads 100 pages a call).
const fullQueryAbove = 2 * filterChunk

// KeyFilter is a query filter matching pages whose title property equals one of keys.
func KeyFilter(keyProp string, keys []string) json.RawMessage {
	return equalsFilter(keyProp, "title", keys)
}

func equalsFilter(prop, typ string, values []string) json.RawMessage {
	conds := make([]map[string]any, len(values))
	for i, v := range values {
		conds[i] = map[string]any{"property": prop, typ: map[string]string{"equals": v}}
	}
	var f any = map[string]any{"or": conds}
	if len(conds) == 1 {
		f = conds[0]
	}
	raw, _ := json.Marshal(f) // maps of strings always marshal
	return raw
}

// Load reads the pages a plan for s needs with as few calls as Notion allows: one
// paginated query (100 pages a call) for a full sync, or filtered queries for a
// few keys, plus one read for each notion_page_id that no query returned.
func Load(ctx context.Context, n Notion, keyProp, ownerProp string, s Scope) ([]Page, error) {
	if s.All || len(s.Keys) > fullQueryAbove {
		pages, err := n.Query(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("query all pages: %w", err)
		}
		return pages, nil
	}
	seen := map[string]bool{}
	var pages []Page
	add := func(ps []Page) {
		for _, p := range ps {
			if !seen[p.ID] {
				seen[p.ID] = true
				pages = append(pages, p)
			}
		}
	}
	for _, q := range []struct {
		prop, typ string
		values    []string
	}{{keyProp, "title", s.Keys}, {ownerProp, "rich_text", s.Deleted}} {
		if q.prop == "" {
			continue
		}
		for start := 0; start < len(q.values); start += filterChunk {
			chunk := q.values[start:min(start+filterChunk, len(q.values))]
			ps, err := n.Query(ctx, equalsFilter(q.prop, q.typ, chunk))
			if err != nil {
				return nil, fmt.Errorf("query pages by %s: %w", q.prop, err)
			}
			add(ps)
		}
	}
	for _, id := range s.PageIDs {
		if id == "" || seen[id] {
			continue
		}
		p, err := n.Page(ctx, id)
		switch {
		case n.NotFound(err):
			continue // Plan reports the stale id
		case err != nil:
			return nil, fmt.Errorf("read page %s: %w", id, err)
		}
		add([]Page{p})
	}
	return pages, nil
}
