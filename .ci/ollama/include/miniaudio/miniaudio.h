/*
 * Stand-in for the miniaudio header that llama.cpp's tools/mtmd/mtmd-helper.cpp
 * includes. Go module archives leave out vendor/ directories, so the real header
 * is missing when Ollama is built with `go install`. ragls tests only need text
 * generation and embeddings, never audio input, so this file declares just the
 * ma_* names mtmd-helper.cpp refers to and makes every decode attempt fail:
 * audio sent to such a build is rejected as undecodable instead of crashing.
 *
 * Written for ragls's CI; it contains no code from miniaudio.
 */
#ifndef RAGLS_CI_MINIAUDIO_STUB_H
#define RAGLS_CI_MINIAUDIO_STUB_H

#include <stddef.h>
#include <stdint.h>

/* The includer defines MA_API as `static`; inline keeps unused stubs quiet. */
#ifndef MA_API
#define MA_API static
#endif

typedef uint32_t ma_uint32;
typedef uint64_t ma_uint64;

typedef int ma_result;
#define MA_SUCCESS 0
/* What every decoding call answers; any non-zero value means failure. */
#define RAGLS_MA_STUB_NO_AUDIO (-1)

typedef enum {
    ma_format_unknown = 0,
    ma_format_f32 = 5
} ma_format;

typedef struct {
    ma_format format;
    ma_uint32 channels;
    ma_uint32 sampleRate;
} ma_decoder_config;

/* Never initialised successfully, so it only has to be a complete type. */
typedef struct {
    ma_decoder_config config;
} ma_decoder;

MA_API inline ma_decoder_config ma_decoder_config_init(ma_format format, ma_uint32 channels, ma_uint32 sampleRate)
{
    ma_decoder_config c;
    c.format = format;
    c.channels = channels;
    c.sampleRate = sampleRate;
    return c;
}

MA_API inline ma_result ma_decoder_init_memory(const void *data, size_t size, const ma_decoder_config *config, ma_decoder *decoder)
{
    (void)data;
    (void)size;
    (void)config;
    if (decoder != NULL) {
        decoder->config.format = ma_format_unknown;
        decoder->config.channels = 0;
        decoder->config.sampleRate = 0;
    }
    return RAGLS_MA_STUB_NO_AUDIO;
}

MA_API inline ma_result ma_decoder_get_length_in_pcm_frames(ma_decoder *decoder, ma_uint64 *length)
{
    (void)decoder;
    if (length != NULL) {
        *length = 0;
    }
    return RAGLS_MA_STUB_NO_AUDIO;
}

MA_API inline ma_result ma_decoder_read_pcm_frames(ma_decoder *decoder, void *frames_out, ma_uint64 frame_count, ma_uint64 *frames_read)
{
    (void)decoder;
    (void)frames_out;
    (void)frame_count;
    if (frames_read != NULL) {
        *frames_read = 0;
    }
    return RAGLS_MA_STUB_NO_AUDIO;
}

MA_API inline ma_result ma_decoder_uninit(ma_decoder *decoder)
{
    (void)decoder;
    return MA_SUCCESS;
}

#endif /* RAGLS_CI_MINIAUDIO_STUB_H */
