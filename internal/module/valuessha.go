package module

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// pending is a property that reads $values_sha: it is resolved after the
// others, into position at of the resolved list.
type pending struct {
	at   int
	prop config.Property
}

// valuesSHA is $values_sha: the hex sha256 of the row's synced values, the key
// and every property that config.Property.Hashed counts, each as Notion will
// store it (fitted, in property.Canonical form) and sorted by name. It changes
// exactly when one of those values changes, so a property filled from it is
// never a reason to write by itself: a regeneration of manifests that changes
// no synced value (timestamps, provenance, formatting) leaves it as it is,
// which $sha, a hash of the whole manifest, does not.
//
// all holds the key first and then the properties in config order; entries of
// properties that are not hashed are skipped whatever they hold.
func valuesSHA(cfg *config.Config, all []resolved) string {
	hashed := map[string]bool{cfg.Key.Property: true}
	for _, p := range cfg.Properties {
		if p.Hashed() {
			hashed[p.Name] = true
		}
	}
	var rows [][3]string
	for _, v := range all {
		if !hashed[v.name] {
			continue
		}
		fitted, _ := property.Fit(v.value) // the losses are reported where the value itself is fitted
		rows = append(rows, [3]string{v.name, string(v.value.Type), property.Canonical(fitted)})
	}
	slices.SortFunc(rows, func(a, b [3]string) int { return strings.Compare(a[0], b[0]) })
	enc, _ := json.Marshal(rows) // strings always marshal
	sum := sha256.Sum256(enc)
	return hex.EncodeToString(sum[:])
}
