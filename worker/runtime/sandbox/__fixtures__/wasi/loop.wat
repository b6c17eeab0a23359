;; A benchmark: 100,000,000 iterations of a little integer arithmetic, then exits with
;; 7 bits of the result, 56 (so the work cannot be skipped).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local $i i32) (local $x i32)
    (loop $next
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 100000000))))
    (call $proc_exit (i32.and (i32.shr_u (local.get $x) (i32.const 24)) (i32.const 127)))))
