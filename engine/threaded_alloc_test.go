package engine

import "testing"

// runCounter is a Task that counts its runs (it is not small, so it runs
// on a worker).
type runCounter struct{ runs int }

func (c *runCounter) Run() error { c.runs++; return nil }

// A push with more variables than a record holds inline, followed by a
// wait on one of them, allocates nothing in steady state: the longer node
// list is sized once and stays with the pooled record, also when a wait
// marker reuses that record.
func TestThreadedManyVarsAllocatesNothing(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 1})
	defer e.Close()
	vars := make([]*Var, 8)
	for i := range vars {
		vars[i] = e.NewVar()
	}
	task := &runCounter{}
	// 3 writes and 7 reads, with a repeat and a variable in both lists:
	// 8 distinct variables.
	op := Op{
		Name:   "many",
		Writes: []*Var{vars[0], vars[1], vars[0], vars[2]},
		Reads:  []*Var{vars[2], vars[3], vars[4], vars[5], vars[6], vars[7], vars[3]},
		Task:   task,
	}
	step := func() {
		e.Push(op)
		if err := e.WaitForVar(vars[0]); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if raceEnabled {
		// sync.Pool drops records at random under the race detector.
		return
	}
	// AllocsPerRun runs with GOMAXPROCS 1, so the worker recycles records
	// into the pool the pusher takes them from.
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Fatalf("push of 8 variables and a wait: %v allocations, want 0", n)
	}
	if task.runs != 202 {
		t.Fatalf("task ran %d times, want 202", task.runs)
	}
}

// A record used as a wait marker keeps the longer node list it grew for
// an earlier push: building the next push's list allocates nothing.
func TestBuildDepsKeepsListAcrossWaits(t *testing.T) {
	vars := make([]*Var, 9)
	for i := range vars {
		vars[i] = newVar()
	}
	op := Op{Writes: vars[:2], Reads: vars[2:]}
	o := new(opr)
	step := func() {
		o.op = op
		o.buildDeps()
		if len(o.nodes) != len(vars) {
			t.Fatalf("%d nodes, want %d", len(o.nodes), len(vars))
		}
		o.reset()
		o.markWait(vars[0])
		o.reset()
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Fatalf("building the list of 9 variables after a wait: %v allocations, want 0", n)
	}
}

// buildDeps lists each distinct variable once, writes first, whether the
// list fits inline or not.
func TestBuildDepsDistinct(t *testing.T) {
	vars := make([]*Var, 7)
	for i := range vars {
		vars[i] = newVar()
	}
	cases := []struct {
		writes, reads []*Var
		want          []*Var // writes first
		nwrites       int
	}{
		{[]*Var{vars[0]}, []*Var{vars[1], vars[0], nil}, []*Var{vars[0], vars[1]}, 1},
		{vars[:3], append([]*Var{vars[2]}, vars[3:]...), vars, 3},
		{[]*Var{vars[1], vars[1]}, []*Var{vars[0], vars[0], vars[2], vars[3], vars[4], vars[5]}, []*Var{vars[1], vars[0], vars[2], vars[3], vars[4], vars[5]}, 1},
	}
	o := new(opr)
	for i, c := range cases {
		o.op = Op{Writes: c.writes, Reads: c.reads}
		o.buildDeps()
		if len(o.nodes) != len(c.want) {
			t.Fatalf("case %d: %d nodes, want %d", i, len(o.nodes), len(c.want))
		}
		for j, n := range o.nodes {
			if n.v != c.want[j] || n.write != (j < c.nwrites) || n.op != o {
				t.Errorf("case %d node %d: var %p write %v, want %p write %v", i, j, n.v, n.write, c.want[j], j < c.nwrites)
			}
		}
		clear(o.nodes)
		o.nodes = nil
	}
}

// Freeing a chunk after its variable's ops allocates nothing in steady
// state, and the chunk is back in the pool afterwards.
func TestFreeAfterAllocatesNothing(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 1})
	defer e.Close()
	v := e.NewVar()
	dev := Device{Type: CPU}
	step := func() {
		c := Alloc(dev, 4096)
		FreeAfter(e, v, c)
		if err := e.WaitForVar(v); err != nil {
			t.Fatal(err)
		}
	}
	step()
	before := MemStats(dev).InUse
	step()
	if after := MemStats(dev).InUse; after != before {
		t.Fatalf("in use %d bytes after a freed allocation, want %d", after, before)
	}
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Fatalf("Alloc, FreeAfter and a wait: %v allocations, want 0", n)
	}
}
