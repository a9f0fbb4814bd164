{
  "targets": [
    {
      "target_name": "xtrace_native",
      "sources": [
        "src/addon/module.cc",
        "src/addon/errors.cc",
        "src/addon/libbpf-log.cc",
        "src/addon/bpf-object.cc",
        "src/addon/attachment.cc",
        "src/addon/attach-tc.cc",
        "src/addon/attach-trace.cc",
        "src/addon/maps.cc",
        "src/addon/ring-buffer.cc",
        "src/addon/ring-reader.cc",
        "src/addon/prog-stats.cc",
        "src/addon/object-info.cc",
        "src/addon/test-run.cc",
        "src/addon/netns.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz"]
    }
  ]
}
