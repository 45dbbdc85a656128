package engine

import "fmt"

// UsageError is a problem only the user can fix, in a setting, the config or a
// manifest, found before anything was written: exit code 2.
type UsageError struct{ Err error }

func (u *UsageError) Error() string { return u.Err.Error() }
func (u *UsageError) Unwrap() error { return u.Err }

// usagef is a *UsageError with a formatted message.
func usagef(format string, a ...any) error {
	return &UsageError{fmt.Errorf(format, a...)}
}
