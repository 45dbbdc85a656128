package reconcile

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func archives(n int) []Change {
	out := []Change{{Action: Noop, Key: "kept"}}
	for i := range n {
		out = append(out, Change{Action: Archive, Key: fmt.Sprint("gone", i), PageID: fmt.Sprint("p", i)})
	}
	return out
}

// TestCheckMassArchive is the case (a full sync of an empty folder
// archiving every page) and the share limit around its edges.
func TestCheckMassArchive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		changes []Change
		g       ArchiveGuard
		want    string // "" for allowed
		noManif bool
	}{
		{"empty repo archives all 5", archives(5), ArchiveGuard{Full: true, Pages: 5},
			"refusing to archive 5 page(s): the sync found no manifest, so every page it created would be archived; nothing was written. Check --repo and manifests.include in the config (a wrong folder or a glob that matches nothing looks like every manifest deleted)", true},
		{"empty repo, one page, allowed flag", archives(1), ArchiveGuard{Full: true, Pages: 1, Allow: true},
			"refusing to archive 1 page(s): the sync found no manifest, so every page it created would be archived; nothing was written. Check --repo and manifests.include in the config (a wrong folder or a glob that matches nothing looks like every manifest deleted)", true},
		{"empty repo, nothing to archive", archives(0), ArchiveGuard{Full: true, Pages: 0}, "", false},
		{"partial sync with no manifest in scope", archives(1), ArchiveGuard{Pages: 100}, "", false},
		{"5 of 20 is over 10%", archives(5), ArchiveGuard{Full: true, Manifests: 15, Pages: 20},
			"refusing to archive 5 of the database's 20 live pages (25%, over the 10% limit); nothing was written. If the manifests really were removed, run again with --allow-mass-archive (Action input allow-mass-archive: true)", false},
		{"5 of 20 allowed", archives(5), ArchiveGuard{Full: true, Manifests: 15, Pages: 20, Allow: true}, "", false},
		{"4 of 10 is under the minimum", archives(4), ArchiveGuard{Full: true, Manifests: 6, Pages: 10}, "", false},
		{"5 of 50 is exactly 10%", archives(5), ArchiveGuard{Full: true, Manifests: 45, Pages: 50}, "", false},
		{"6 of 50 is over", archives(6), ArchiveGuard{Full: true, Manifests: 44, Pages: 50},
			"refusing to archive 6 of the database's 50 live pages (12%, over the 10% limit); nothing was written. If the manifests really were removed, run again with --allow-mass-archive (Action input allow-mass-archive: true)", false},
		{"6 of 50 with a 20% share", archives(6), ArchiveGuard{Full: true, Manifests: 44, Pages: 50, MaxShare: 0.2}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckMassArchive(tt.changes, tt.g)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("CheckMassArchive() = %q\nwant %q", got, tt.want)
			}
			var me *MassArchiveError
			if tt.want != "" && (!errors.Is(err, ErrMassArchive) || !errors.As(err, &me) || me.NoManifests != tt.noManif) {
				t.Errorf("CheckMassArchive() = %#v, want a *MassArchiveError (NoManifests %v) wrapping ErrMassArchive", err, tt.noManif)
			}
		})
	}
}

// TestApplyOptionsValidate: --concurrency 0, a negative --batch-size and
// --batch-delay are refused, each by name.
func TestApplyOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    ApplyOptions
		want string
	}{
		{"defaults of the CLI", ApplyOptions{Concurrency: 3}, ""},
		{"batches", ApplyOptions{Concurrency: 1, BatchSize: 50, BatchDelay: 10 * time.Second}, ""},
		{"zero concurrency", ApplyOptions{}, "concurrency: 0 is below 1; give the number of parallel writers, e.g. 3"},
		{"negatives", ApplyOptions{Concurrency: 2, BatchSize: -1, BatchDelay: -time.Second},
			"batch-size: -1 is below 0; give 0 (one batch) or the writes per batch, e.g. 50\nbatch-delay: -1s is negative; give 0 or a pause such as 10s"},
	}
	for _, tt := range tests {
		got := ""
		if err := tt.o.Validate(); err != nil {
			got = err.Error()
			var se *SettingError
			if !errors.As(err, &se) {
				t.Errorf("%s: Validate() = %v, want *SettingError", tt.name, err)
			}
		}
		if got != tt.want {
			t.Errorf("%s: Validate() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
