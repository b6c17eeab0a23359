;; Prints each argument, then each environment entry (KEY=value), one per line.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "\n")
  ;; Prints the n NUL-terminated strings whose pointers start at $list, each followed by a newline.
  (func $print_all (param $list i32) (param $n i32)
    (local $s i32) (local $len i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.load (local.get $list)))
        (local.set $len (i32.const 0))
        (block $end
          (loop $scan
            (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $len)))))
            (local.set $len (i32.add (local.get $len) (i32.const 1)))
            (br $scan)))
        ;; Two iovecs: the string, then "\n".
        (i32.store (i32.const 0) (local.get $s))
        (i32.store (i32.const 4) (local.get $len))
        (i32.store (i32.const 8) (i32.const 32))
        (i32.store (i32.const 12) (i32.const 1))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
  ;; Pointer lists at 1024 (args) and 2048 (env). The strings share one buffer from 4096, env
  ;; right after the args as args_sizes_get sized them, as libc lays them out.
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (drop (call $environ_sizes_get (i32.const 24) (i32.const 28)))
    (drop (call $environ_get (i32.const 2048) (i32.add (i32.const 4096) (i32.load (i32.const 20)))))
    (call $print_all (i32.const 1024) (i32.load (i32.const 16)))
    (call $print_all (i32.const 2048) (i32.load (i32.const 24)))))
