package ledger

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewRunID names one run in the ledger (Record.RunID): the GitHub Actions run
// and attempt when there is one ($GITHUB_RUN_ID, $GITHUB_RUN_ATTEMPT), so that
// a rerun's records stay apart from the first attempt's; else the time and a
// random suffix, so that two local runs in the same second do not merge.
func NewRunID(actionsRun, attempt string) string {
	if actionsRun != "" {
		return actionsRun + "-" + attempt
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
