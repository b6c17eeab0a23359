;; upper IN OUT: writes the ASCII uppercase of file IN (up to 64 KiB) to file OUT.
;; Paths are resolved against the preopened directories the way wasi-libc does it: the
;; preopen whose name (without leading "/" or "./") is the longest prefix of the path
;; (without them either) wins, the last one on a tie, so "." serves relative paths and
;; "/workspace" absolute ones.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  ;; 0 iovec, 8 count, 16 argc, 20 argv size, 24 prestat, 32 opened fd, 48 ".", 64.. messages,
  ;; 256 preopen name, 512 argv pointers, 1024 argv strings, 65536 file contents.
  (memory (export "memory") 2)
  (data (i32.const 48) ".")
  (data (i32.const 64) "usage: upper IN OUT\n")
  (data (i32.const 112) "upper: cannot open input\n")
  (data (i32.const 160) "upper: cannot open output\n")

  (func $fail (param $msg i32) (param $len i32) (param $code i32)
    (i32.store (i32.const 0) (local.get $msg))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (local.get $code)))

  ;; Skips leading "/", "./" and a lone ".".
  (func $strip (param $p i32) (param $n i32) (result i32 i32)
    (loop $again
      (if (i32.and (i32.ge_u (local.get $n) (i32.const 1)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 47)))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $again)))
      (if (i32.and (i32.ge_u (local.get $n) (i32.const 2))
                   (i32.eq (i32.load16_u (local.get $p)) (i32.const 0x2f2e)))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (local.set $n (i32.sub (local.get $n) (i32.const 2)))
          (br $again)))
      (if (i32.and (i32.eq (local.get $n) (i32.const 1)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)))
        (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (local.set $n (i32.const 0)))))
    (local.get $p) (local.get $n))

  ;; Returns (preopen fd, relative path, its length), or fd -1 when no preopen matches.
  (func $resolve (param $path i32) (param $len i32) (result i32 i32 i32)
    (local $fd i32) (local $best i32) (local $best_len i32) (local $q i32) (local $m i32) (local $i i32) (local $ok i32)
    (local.set $best (i32.const -1))
    (local.set $best_len (i32.const -1))
    (call $strip (local.get $path) (local.get $len))
    (local.set $len)
    (local.set $path)
    (local.set $fd (i32.const 3))
    (block $end
      (loop $next
        (br_if $end (call $fd_prestat_get (local.get $fd) (i32.const 24)))
        (if (i32.and (i32.eqz (i32.load8_u (i32.const 24))) (i32.le_u (i32.load (i32.const 28)) (i32.const 256)))
          (then
            (drop (call $fd_prestat_dir_name (local.get $fd) (i32.const 256) (i32.load (i32.const 28))))
            (call $strip (i32.const 256) (i32.load (i32.const 28)))
            (local.set $m)
            (local.set $q)
            (if (i32.and (i32.le_u (local.get $m) (local.get $len)) (i32.ge_s (local.get $m) (local.get $best_len)))
              (then
                (local.set $ok (i32.const 1))
                (local.set $i (i32.const 0))
                (block $differ
                  (loop $cmp
                    (br_if $differ (i32.ge_u (local.get $i) (local.get $m)))
                    (if (i32.ne (i32.load8_u (i32.add (local.get $q) (local.get $i)))
                                (i32.load8_u (i32.add (local.get $path) (local.get $i))))
                      (then (local.set $ok (i32.const 0)) (br $differ)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $cmp)))
                (if (i32.and (local.get $ok)
                             (i32.or (i32.or (i32.eqz (local.get $m)) (i32.eq (local.get $m) (local.get $len)))
                                     (i32.eq (i32.load8_u (i32.add (local.get $path) (local.get $m))) (i32.const 47))))
                  (then (local.set $best (local.get $fd)) (local.set $best_len (local.get $m))))))))
        (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
        (br $next)))
    (if (i32.lt_s (local.get $best) (i32.const 0))
      (then (return (i32.const -1) (i32.const 0) (i32.const 0))))
    (call $strip (i32.add (local.get $path) (local.get $best_len)) (i32.sub (local.get $len) (local.get $best_len)))
    (local.set $len)
    (local.set $path)
    (if (i32.eqz (local.get $len))
      (then (local.set $path (i32.const 48)) (local.set $len (i32.const 1))))
    (local.get $best) (local.get $path) (local.get $len))

  ;; Opens the NUL-terminated $path; returns the fd, or -1.
  (func $open (param $path i32) (param $oflags i32) (param $rights i64) (result i32)
    (local $len i32) (local $dir i32) (local $rel i32) (local $rel_len i32)
    (block $end
      (loop $scan
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $path) (local.get $len)))))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $scan)))
    (call $resolve (local.get $path) (local.get $len))
    (local.set $rel_len)
    (local.set $rel)
    (local.set $dir)
    (if (i32.lt_s (local.get $dir) (i32.const 0)) (then (return (i32.const -1))))
    (if (call $path_open (local.get $dir) (i32.const 1) (local.get $rel) (local.get $rel_len)
                         (local.get $oflags) (local.get $rights) (local.get $rights) (i32.const 0) (i32.const 32))
      (then (return (i32.const -1))))
    (i32.load (i32.const 32)))

  (func (export "_start")
    (local $in i32) (local $out i32) (local $total i32) (local $n i32) (local $i i32) (local $c i32)
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (if (i32.lt_u (i32.load (i32.const 16)) (i32.const 3))
      (then (call $fail (i32.const 64) (i32.const 20) (i32.const 2))))
    (drop (call $args_get (i32.const 512) (i32.const 1024)))
    ;; O_RDONLY with the fd_read right.
    (local.set $in (call $open (i32.load (i32.const 516)) (i32.const 0) (i64.const 2)))
    (if (i32.lt_s (local.get $in) (i32.const 0))
      (then (call $fail (i32.const 112) (i32.const 25) (i32.const 1))))
    (block $eof
      (loop $more
        (i32.store (i32.const 0) (i32.add (i32.const 65536) (local.get $total)))
        (i32.store (i32.const 4) (i32.sub (i32.const 65536) (local.get $total)))
        (drop (call $fd_read (local.get $in) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $total (i32.add (local.get $total) (local.get $n)))
        (br_if $more (i32.lt_u (local.get $total) (i32.const 65536)))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $total)))
        (local.set $c (i32.load8_u (i32.add (i32.const 65536) (local.get $i))))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (i32.const 65536) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    ;; O_CREAT | O_TRUNC with the fd_write right.
    (local.set $out (call $open (i32.load (i32.const 520)) (i32.const 9) (i64.const 64)))
    (if (i32.lt_s (local.get $out) (i32.const 0))
      (then (call $fail (i32.const 160) (i32.const 26) (i32.const 1))))
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (local.get $total))
    (drop (call $fd_write (local.get $out) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_close (local.get $in)))
    (drop (call $fd_close (local.get $out)))))
