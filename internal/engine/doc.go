// Package engine is what every notion-sync command does, below the command line
// and the Action: it reads a repository through its config (Workspace), binds the
// Notion client to one database (Database, the adapter reconcile and restore
// need), runs the sync pipeline (Sync) and the read-only analyses that compare
// Notion with the manifests (schema checks).
//
// It takes one Settings value, built at the edge by internal/app from flags and
// the environment or from the Action's inputs, and never reads the environment
// itself. It prints nothing: it returns plans, results and typed errors, and app
// renders them and turns them into exit codes. A *UsageError means the user must
// change a setting, the config or a manifest before anything can run (exit 2).
package engine
