package reconcile

import (
	"errors"
	"fmt"
	"math"
)

// DefaultMaxArchiveShare is the share of a database's live pages one sync may
// archive without --allow-mass-archive (Action input allow-mass-archive).
const DefaultMaxArchiveShare = 0.10

// MinMassArchive is the fewest archives that count as a mass archive: a small
// database may lose a page or two to a sync without anyone passing a flag.
const MinMassArchive = 5

// ErrMassArchive is wrapped by CheckMassArchive's refusals.
var ErrMassArchive = errors.New("refusing to archive")

// ArchiveGuard is what CheckMassArchive weighs a plan against.
type ArchiveGuard struct {
	// Full is set for a full sync (Options.Full).
	Full bool
	// Manifests counts the manifests the sync found, broken ones included.
	Manifests int
	// Pages counts the live pages of the database the plan was made from.
	Pages int
	// MaxShare is the share of Pages one sync may archive; 0 means
	// DefaultMaxArchiveShare.
	MaxShare float64
	// Allow lifts the share limit (--allow-mass-archive). It does not lift
	// the refusal of a full sync that found no manifest.
	Allow bool
}

// MassArchiveError is CheckMassArchive's refusal. It wraps ErrMassArchive.
type MassArchiveError struct {
	Archives, Pages int
	MaxShare        float64
	NoManifests     bool // a full sync found no manifest at all
}

func (e *MassArchiveError) Error() string {
	if e.NoManifests {
		return fmt.Sprintf("%s %d page(s): the sync found no manifest, so every page it created would be archived; nothing was written. Check --repo and manifests.include in the config (a wrong folder or a glob that matches nothing looks like every manifest deleted)", ErrMassArchive, e.Archives)
	}
	return fmt.Sprintf("%s %d of the database's %d live pages (%.0f%%, over the %.0f%% limit); nothing was written. If the manifests really were removed, run again with --allow-mass-archive (Action input allow-mass-archive: true)",
		ErrMassArchive, e.Archives, e.Pages, 100*float64(e.Archives)/float64(max(e.Pages, 1)), 100*e.MaxShare)
}

func (e *MassArchiveError) Unwrap() error { return ErrMassArchive }

// CheckMassArchive refuses, before anything is written, a plan that archives
// what a mistake rather than a change would: any archive at all when a full
// sync found no manifest (an empty --repo folder, an include glob that
// matches nothing), and, unless g.Allow, more than g.MaxShare of the
// database's pages when that is MinMassArchive pages or more. It returns a
// *MassArchiveError, or nil.
func CheckMassArchive(changes []Change, g ArchiveGuard) error {
	n := 0
	for _, c := range changes {
		if c.Action == Archive {
			n++
		}
	}
	share := g.MaxShare
	if share <= 0 || math.IsNaN(share) {
		share = DefaultMaxArchiveShare
	}
	switch {
	case n == 0:
		return nil
	case g.Full && g.Manifests == 0:
		return &MassArchiveError{Archives: n, Pages: g.Pages, MaxShare: share, NoManifests: true}
	case g.Allow || n < MinMassArchive:
		return nil
	case float64(n) > share*float64(g.Pages):
		return &MassArchiveError{Archives: n, Pages: g.Pages, MaxShare: share}
	}
	return nil
}

// SettingError is one apply setting a person gave (a flag or an Action input)
// that cannot be used. Setting is its name as both spell it ("batch-size").
type SettingError struct {
	Setting string
	Msg     string
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Msg }

// Validate checks the options built from what a person typed, before Apply
// fills in defaults: Concurrency at least 1 (0 would mean no writer), and
// BatchSize, BatchDelay, CreateAttempts and RecheckDelay not negative. It
// returns every problem at once, each a *SettingError, joined with
// errors.Join; nil when all are usable.
func (o ApplyOptions) Validate() error {
	var errs []error
	bad := func(setting, format string, a ...any) {
		errs = append(errs, &SettingError{Setting: setting, Msg: fmt.Sprintf(format, a...)})
	}
	if o.Concurrency < 1 {
		bad("concurrency", "%d is below 1; give the number of parallel writers, e.g. 3", o.Concurrency)
	}
	if o.BatchSize < 0 {
		bad("batch-size", "%d is below 0; give 0 (one batch) or the writes per batch, e.g. 50", o.BatchSize)
	}
	if o.BatchDelay < 0 {
		bad("batch-delay", "%v is negative; give 0 or a pause such as 10s", o.BatchDelay)
	}
	if o.CreateAttempts < 0 {
		bad("create-attempts", "%d is below 0; give 1 or more", o.CreateAttempts)
	}
	if o.RecheckDelay < 0 {
		bad("recheck-delay", "%v is negative; give 0 or more", o.RecheckDelay)
	}
	return errors.Join(errs...)
}

// ValidateShare checks a max-archive-share setting (--max-archive-share, input
// max-archive-share): a share of the pages above 0 and at most 1.
func ValidateShare(share float64) error {
	if math.IsNaN(share) || share <= 0 || share > 1 {
		return &SettingError{Setting: "max-archive-share", Msg: fmt.Sprintf("%v is not a share of the pages; give a number above 0 and at most 1, e.g. 0.1 (10%%)", share)}
	}
	return nil
}
