package emulator

import (
	"fmt"
	"testing"

	"github.com/dstotijn/go-notion"
)

// BenchmarkFullQuery reads a 1000-row database page by page through go-notion, as a
// full sync does: the emulator's own cost per full read.
func BenchmarkFullQuery(b *testing.B) {
	s := newServer(b, Options{})
	dbID, err := s.CreateDatabase(DefaultSchema())
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := s.SeedPage(dbID, []byte(fmt.Sprintf(`{"Module":%s,"Tags":{"multi_select":[{"name":"t%d"}]},"MQI":{"number":%d}}`, title(fmt.Sprint(i)), i%20, i))); err != nil {
			b.Fatal(err)
		}
	}
	c := goNotion(b, s)
	for b.Loop() {
		cursor, n := "", 0
		for {
			res, err := c.QueryDatabase(b.Context(), dbID, &notion.DatabaseQuery{StartCursor: cursor})
			if err != nil {
				b.Fatal(err)
			}
			n += len(res.Results)
			if !res.HasMore {
				break
			}
			cursor = *res.NextCursor
		}
		if n != 1000 {
			b.Fatalf("read %d pages, want 1000", n)
		}
	}
}
