package reconcile

import "maps"

// Omit returns the desired rows without the named properties, for a database
// that lacks optional ones (config.Config.Absent): a write never names a column
// Notion does not have, and the rest of the row syncs. The rows given are not
// changed; a row that holds none of the names is returned as it is.
func Omit(desired []Desired, names []string) []Desired {
	if len(names) == 0 {
		return desired
	}
	out := make([]Desired, len(desired))
	for i, d := range desired {
		out[i] = d
		for _, n := range names {
			if _, ok := d.Props[n]; ok {
				out[i].Props = maps.Clone(d.Props)
				for _, n := range names {
					delete(out[i].Props, n)
				}
				break
			}
		}
	}
	return out
}
