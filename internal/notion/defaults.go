package notion

import "time"

// The client's defaults, which suit the real API (notion-api.md §6). The CLI's
// flags and the Action's inputs show these same values; they are written here only.
const (
	DefaultRate       = 3.0              // requests per second, Notion's documented average
	DefaultBurst      = 3                // requests that may go at once before pacing starts
	DefaultMaxRetries = 5                // retries after the first attempt
	DefaultBackoff    = time.Second      // base of the exponential backoff
	DefaultMaxBackoff = 30 * time.Second // cap of one backoff wait
	DefaultTimeout    = 30 * time.Second // one attempt, answer body included
)
