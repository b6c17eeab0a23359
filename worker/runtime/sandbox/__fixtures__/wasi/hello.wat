;; Prints "hello, wörld\n" to stdout in two writes that split the "ö" between them,
;; then "bye\n" to stderr.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello, w\c3")
  (data (i32.const 80) "\b6rld\n")
  (data (i32.const 96) "bye\n")
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $write (i32.const 1) (i32.const 64) (i32.const 9))
    (call $write (i32.const 1) (i32.const 80) (i32.const 5))
    (call $write (i32.const 2) (i32.const 96) (i32.const 4))))
