package hook

import (
	"fmt"
	"strings"
)

// InstallText is what `hook install` tells the user: where the hook is, what
// it runs and when, what happened to a hook that was there, and the artifacts
// line of info/exclude.
func InstallText(loc Location, spec Spec, res Installed) string {
	var b strings.Builder
	verb := "Installed"
	if res.Updated {
		verb = "Updated"
	}
	fmt.Fprintf(&b, "✅ %s post-commit hook: %s\n", verb, loc.Path)
	if res.Backup != "" {
		fmt.Fprintf(&b, "💾 The previous hook is kept as %s\n", res.Backup)
	}
	if loc.Shared() {
		fmt.Fprintf(&b, "🌐 It is in the %s hooks folder (%s): in any other repository it exits at once\n", loc.Scope, loc.Source)
	}
	fmt.Fprintf(&b, "   Runs (in the background): %s sync --changed --since <the commit before it> --committed-only --async\n", spec.Bin)
	fmt.Fprintf(&b, "   When a commit changes: %s", strings.Join(spec.Include, ", "))
	if len(spec.Exclude) > 0 {
		fmt.Fprintf(&b, " (excluding %s)", strings.Join(spec.Exclude, ", "))
	}
	b.WriteString("\n")
	if res.Added {
		fmt.Fprintf(&b, "🙈 Added %s to %s, so git add -A leaves out the ledger, plan and logs the syncs write\n", res.Pattern, loc.ExcludeFile())
	} else {
		fmt.Fprintf(&b, "🙈 %s is already in %s\n", res.Pattern, loc.ExcludeFile())
	}
	b.WriteString("   Run 'notion-sync hook install' again after changing manifests.include or manifests.exclude.\n")
	return b.String()
}

// UninstallText is what `hook uninstall` tells the user.
func UninstallText(loc Location, res Uninstalled) string {
	if !res.Removed {
		return fmt.Sprintf("✅ No post-commit hook at %s: nothing to remove\n", loc.Path)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "✅ Removed the notion-sync post-commit hook: %s\n", loc.Path)
	if res.Backup != "" {
		fmt.Fprintf(&b, "💾 An earlier hook is kept at %s: rename it to post-commit to use it again\n", res.Backup)
	}
	fmt.Fprintf(&b, "   %s keeps its artifacts line, so a ledger left behind is still not committed\n", loc.ExcludeFile())
	return b.String()
}
