package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The GEMMs of an MLP (784-256-128-10) and a LeNet training step run once
// per layer per step, so any allocation in them is garbage every step.
// These shapes cover each path Sgemm takes: the vector loops (batch 1:
// forward x·Wᵀ, data gradient g·W, weight gradient gᵀ·x with k = 1), the
// small path (batch 32) and the blocked driver, each on the calling thread
// and spread over the pool.
var allocCases = []struct {
	name           string
	transA, transB bool
	m, n, k        int
	beta           float32
	lda, ldb       int // 0: packed
}{
	{name: "vector/fc_forward_b1", transB: true, m: 1, n: 256, k: 784, beta: 1},
	{name: "vector/fc_data_grad_b1", m: 1, n: 256, k: 128},
	{name: "vector/fc_weight_grad_b1", transA: true, m: 256, n: 784, k: 1},
	{name: "vector/column", m: 300, n: 1, k: 64, ldb: 5},            // op(B)'s column gathered
	{name: "vector/strided_row", transA: true, m: 1, n: 64, k: 300}, // op(A)'s row gathered
	{name: "vector/parallel_rows", transB: true, m: 1, n: 8192, k: 1024},
	{name: "vector/parallel_axpy", m: 1, n: 8192, k: 1024},
	{name: "vector/parallel_outer", transA: true, m: 4096, n: 1100, k: 1},
	{name: "small/fc_forward_b32", transB: true, m: 32, n: 256, k: 784, beta: 1},
	{name: "small/fc_data_grad_b32", m: 32, n: 256, k: 128},
	{name: "small/fc_weight_grad_b32", transA: true, m: 256, n: 784, k: 32},
	{name: "small/lenet_conv2_b1", m: 50, n: 64, k: 500},
	{name: "small/fc_last_b32", transB: true, m: 32, n: 10, k: 128},
	{name: "blocked/600", m: 600, n: 600, k: 600},
}

// TestSgemmNoAlloc checks that every Sgemm path allocates nothing once its
// pooled state is warm, on one thread and on the pool.
func TestSgemmNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, threads := range []int{1, 2} {
		for _, tc := range allocCases {
			t.Run(fmt.Sprintf("%s/threads=%d", tc.name, threads), func(t *testing.T) {
				prev := NumThreads()
				SetNumThreads(threads)
				defer SetNumThreads(prev)
				ar, ac := stored(tc.m, tc.k, tc.transA)
				br, bc := stored(tc.k, tc.n, tc.transB)
				lda, ldb := max(tc.lda, ac), max(tc.ldb, bc)
				a, b := randSlice(r, (ar-1)*lda+ac), randSlice(r, (br-1)*ldb+bc)
				c := make([]float32, tc.m*tc.n)
				call := func() { Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, tc.beta, c, tc.n) }
				for range 10 { // fills the pools, also those the pool's helpers use
					call()
				}
				if n := testing.AllocsPerRun(20, call); n > 0 {
					t.Fatalf("%v allocations per call", n)
				}
			})
		}
	}
}

// TestSgemmVectorGatherReuse checks that the pooled gather buffer of the
// vector path is not shared between calls that overlap: concurrent strided
// products each get their own (run with -race).
func TestSgemmVectorGatherReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	const k, n, stride = 200, 50, 3
	a := randSlice(r, (k-1)*stride+1)
	b := randSlice(r, n*k)
	want := make([]float32, n)
	SgemmNaive(true, true, 1, n, k, 1, a, stride, b, k, 0, want, n)
	first := make([]float32, n)
	Sgemm(true, true, 1, n, k, 1, a, stride, b, k, 0, first, n)
	for j := range first {
		if abs64(float64(first[j]-want[j])) > 1e-4 {
			t.Fatalf("c[%d] = %v, want %v", j, first[j], want[j])
		}
	}
	done := make(chan []float32)
	for range 4 {
		go func() {
			c := make([]float32, n)
			for range 50 {
				Sgemm(true, true, 1, n, k, 1, a, stride, b, k, 0, c, n)
			}
			done <- c
		}()
	}
	for range 4 {
		c := <-done
		for j := range c {
			if c[j] != first[j] {
				t.Fatalf("concurrent call: c[%d] = %v, want %v as alone", j, c[j], first[j])
			}
		}
	}
}

// TestSgemmBatchedNoAlloc checks both SgemmBatched paths: small products
// spread over the batch, and large ones run one after another.
func TestSgemmBatchedNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := rand.New(rand.NewPCG(5, 5))
	for _, d := range []struct{ m, n, k, batch int }{{16, 24, 32, 64}, {200, 200, 200, 2}} {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%dx%dx%d_batch%d/threads=%d", d.m, d.n, d.k, d.batch, threads), func(t *testing.T) {
				prev := NumThreads()
				SetNumThreads(threads)
				defer SetNumThreads(prev)
				a, b := randSlice(r, d.batch*d.m*d.k), randSlice(r, d.batch*d.k*d.n)
				c := make([]float32, d.batch*d.m*d.n)
				call := func() {
					SgemmBatched(false, true, d.m, d.n, d.k, 1, a, d.k, d.m*d.k, b, d.k, d.k*d.n, 0, c, d.n, d.m*d.n, d.batch)
				}
				for range 5 {
					call()
				}
				if n := testing.AllocsPerRun(10, call); n > 0 {
					t.Fatalf("%v allocations per call", n)
				}
			})
		}
	}
}
