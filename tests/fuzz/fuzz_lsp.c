/* fuzz_lsp — libFuzzer target for the language server: the input is the byte stream a client sends
 * (framed or not); the server serves it to the end, writing its answers to /dev/null. Built and run by
 * `make fuzz`; the seeds in corpus/lsp are sessions (initialize, didOpen, completion, hover, ...). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lsp/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int fd = memfd_create("lsp_input", 0);
    FILE *out = fopen("/dev/null", "w");
    if (fd >= 0 && out && write(fd, data, n) == (ssize_t)n && lseek(fd, 0, SEEK_SET) == 0)
        lsp_serve(fd, out);
    if (out)
        fclose(out);
    if (fd >= 0)
        close(fd);
    return 0;
}
