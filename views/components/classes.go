package components

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/a-h/templ"
)

// classAttr is the class attribute made of parts (joined by spaces), for a spread:
// <span { classAttr("h-1.5 w-1.5", dotClasses(tone))... }>. It stands in for templ's class={ a, b }, which puts every
// list through a map that drops repeated and disabled names: several allocations per element,
// paid on every cell, button, badge and icon of a page of 100 rows. The parts here are literals
// of this package with nothing to drop, so each distinct list is joined once, kept, and written as
// it is. Only for parts from a fixed set (literals, switches over them), never text from data:
// the kept lists would only get longer.
func classAttr(parts ...string) templ.Attributer {
	var key classKey
	if len(parts) > len(key) {
		return classList(strings.Join(parts, " "))
	}
	copy(key[:], parts)
	if a, ok := (*keptClasses.Load())[key]; ok {
		return a
	}
	return keepClass(key, parts)
}

// classKey is up to four parts of a class list, as a map key.
type classKey [4]string

// keptClasses holds every list made so far. Pages read it on every element, so it is swapped whole
// (copy on write) rather than locked: a new list is rare after the first pages.
var (
	keptClasses   atomic.Pointer[map[classKey]templ.Attributer]
	keptClassesMu sync.Mutex
)

func init() {
	keptClasses.Store(&map[classKey]templ.Attributer{})
}

func keepClass(key classKey, parts []string) templ.Attributer {
	keptClassesMu.Lock()
	defer keptClassesMu.Unlock()
	old := *keptClasses.Load()
	if a, ok := old[key]; ok {
		return a
	}
	a := classList(strings.Join(parts, " "))
	kept := maps.Clone(old)
	kept[key] = a
	keptClasses.Store(&kept)
	return a
}

func classList(list string) templ.Attributer {
	return templ.OrderedAttributes{{Key: "class", Value: list}}
}
