/* The Argon2d memory fill (RFC 9106 section 3, version 0x13, type 0) with RandomX's inputs (specs.md 7.1): the
 * key is the password, the tag length is 0 and there is no secret or associated data. The finalizer is omitted:
 * the filled memory is the result. */
#include "argon2d.h"

#include <string.h>

#include "argon2d_compress.h"
#include "argon2d_fill.h"
#include "blake2b.h"

#define ARGON2_VERSION 0x13
#define ARGON2D_TYPE 0
#define SLICES_PER_PASS 4
#define PROGRESS_INTERVAL_BLOCKS 4096

static void store_le32(uint8_t bytes[4], uint32_t value) {
  for (int i = 0; i < 4; i++) bytes[i] = (uint8_t)(value >> (8 * i));
}

static void hash_le32(rx_blake2b_state *state, uint32_t value) {
  uint8_t bytes[4];
  store_le32(bytes, value);
  rx_blake2b_update(state, bytes, sizeof bytes);
}

/* H0 (RFC 9106 3.2 step 2); every length and parameter is a 32-bit little-endian value. */
static void initial_hash(uint8_t h0[ARGON2D_H0_BYTES], const rx_params *params, const void *key, size_t key_bytes) {
  rx_blake2b_state state;
  rx_blake2b_init(&state, ARGON2D_H0_BYTES);
  hash_le32(&state, params->argon_lanes);
  hash_le32(&state, 0); /* tag length */
  hash_le32(&state, params->argon_memory_blocks);
  hash_le32(&state, params->argon_iterations);
  hash_le32(&state, ARGON2_VERSION);
  hash_le32(&state, ARGON2D_TYPE);
  hash_le32(&state, (uint32_t)key_bytes);
  rx_blake2b_update(&state, key, key_bytes);
  hash_le32(&state, (uint32_t)params->argon_salt_bytes);
  rx_blake2b_update(&state, params->argon_salt, params->argon_salt_bytes);
  hash_le32(&state, 0); /* secret length */
  hash_le32(&state, 0); /* associated data length */
  rx_blake2b_final(&state, h0);
}

/* H' (RFC 9106 3.3) with a 1024-byte output: 1024 > 64, so 30 chained 64-byte BLAKE2b digests give their first
 * 32 bytes each and a 31st gives all 64. */
static void long_hash_block(uint8_t block[ARGON2D_BLOCK_BYTES], const uint8_t *input, size_t input_bytes) {
  uint8_t digest[RX_BLAKE2B_MAX_DIGEST_BYTES];
  rx_blake2b_state state;
  rx_blake2b_init(&state, sizeof digest);
  hash_le32(&state, ARGON2D_BLOCK_BYTES);
  rx_blake2b_update(&state, input, input_bytes);
  rx_blake2b_final(&state, digest);
  size_t written = 0;
  for (; written < ARGON2D_BLOCK_BYTES - sizeof digest; written += sizeof digest / 2) {
    memcpy(block + written, digest, sizeof digest / 2);
    rx_blake2b(digest, sizeof digest, digest, sizeof digest);
  }
  memcpy(block + written, digest, sizeof digest);
}

typedef struct {
  uint64_t *memory; /* block b of lane l at word (l * lane_blocks + b) * ARGON2D_BLOCK_WORDS */
  uint32_t lanes;
  uint32_t lane_blocks;
  uint32_t segment_blocks;
  uint32_t blocks_done; /* over all passes, for progress */
  uint32_t blocks_total;
  void (*progress)(uint32_t done, uint32_t total);
} fill_state;

static uint64_t *block_at(const fill_state *fill, uint32_t lane, uint32_t index) {
  return fill->memory + ((size_t)lane * fill->lane_blocks + index) * ARGON2D_BLOCK_WORDS;
}

/* Blocks 0 and 1 of each lane: H'(H0 || LE32(block index) || LE32(lane)). */
static void fill_first_blocks(const fill_state *fill, const uint8_t h0[ARGON2D_H0_BYTES]) {
  uint8_t input[ARGON2D_H0_BYTES + 8];
  memcpy(input, h0, ARGON2D_H0_BYTES);
  for (uint32_t lane = 0; lane < fill->lanes; lane++) {
    for (uint32_t index = 0; index < 2; index++) {
      store_le32(input + ARGON2D_H0_BYTES, index);
      store_le32(input + ARGON2D_H0_BYTES + 4, lane);
      long_hash_block((uint8_t *)block_at(fill, lane, index), input, sizeof input);
    }
  }
}

/* The reference block's index within its lane (RFC 9106 3.4). A segment may read the blocks of the other three
 * slices (on the first pass only the earlier slices), less the last of them for a segment's first block when
 * reading another lane; in its own lane also the blocks already done in the segment except the previous one. J1
 * picks one of these, biased quadratically towards the most recent. */
static uint32_t reference_index(const fill_state *fill, uint32_t pass, uint32_t slice, uint32_t index_in_segment,
                                int same_lane, uint32_t j1) {
  uint32_t finished_blocks = pass == 0 ? slice * fill->segment_blocks : fill->lane_blocks - fill->segment_blocks;
  uint32_t area_blocks;
  if (same_lane) area_blocks = finished_blocks + index_in_segment - 1;
  else area_blocks = finished_blocks - (index_in_segment == 0 ? 1 : 0);
  uint64_t bias = ((uint64_t)j1 * j1) >> 32;
  uint32_t back = (uint32_t)(((uint64_t)area_blocks * bias) >> 32);
  /* The area starts right after this slice, wrapping around the lane; on the first pass at block 0. */
  uint32_t start = pass == 0 || slice == SLICES_PER_PASS - 1 ? 0 : (slice + 1) * fill->segment_blocks;
  return (uint32_t)(((uint64_t)start + area_blocks - 1 - back) % fill->lane_blocks);
}

static void count_block(fill_state *fill) {
  fill->blocks_done++;
  if (fill->progress && fill->blocks_done % PROGRESS_INTERVAL_BLOCKS == 0 && fill->blocks_done < fill->blocks_total) {
    fill->progress(fill->blocks_done, fill->blocks_total);
  }
}

/* Out of line on purpose: V8 runs a WebAssembly function's baseline code until the function is called again
 * after its optimized code is ready, and a whole fill is one call. */
__attribute__((noinline)) static void fill_block(const fill_state *fill, uint32_t pass, uint32_t slice, uint32_t lane,
                                                 uint32_t index_in_segment) {
  uint32_t index = slice * fill->segment_blocks + index_in_segment;
  const uint64_t *previous = block_at(fill, lane, (index == 0 ? fill->lane_blocks : index) - 1);
  /* Argon2d: the previous block's first word chooses the reference lane (high half) and block (low half). */
  uint32_t j1 = (uint32_t)previous[0];
  uint32_t j2 = (uint32_t)(previous[0] >> 32);
  uint32_t reference_lane = pass == 0 && slice == 0 ? lane : j2 % fill->lanes;
  uint32_t reference = reference_index(fill, pass, slice, index_in_segment, reference_lane == lane, j1);
  argon2d_compress(block_at(fill, lane, index), previous, block_at(fill, reference_lane, reference), pass > 0);
}

static void fill_segment(fill_state *fill, uint32_t pass, uint32_t slice, uint32_t lane) {
  uint32_t first_index = pass == 0 && slice == 0 ? 2 : 0; /* blocks 0 and 1 come from H' */
  for (uint32_t index_in_segment = first_index; index_in_segment < fill->segment_blocks; index_in_segment++) {
    fill_block(fill, pass, slice, lane, index_in_segment);
    count_block(fill);
  }
}

void rx_argon2d_fill_from_h0(void *memory, const uint8_t h0[ARGON2D_H0_BYTES], uint32_t lanes, uint32_t memory_blocks,
                             uint32_t passes, void (*progress)(uint32_t done, uint32_t total)) {
  fill_state fill;
  fill.memory = memory;
  fill.lanes = lanes;
  fill.segment_blocks = memory_blocks / (SLICES_PER_PASS * lanes);
  fill.lane_blocks = SLICES_PER_PASS * fill.segment_blocks;
  fill.blocks_done = 2 * lanes; /* the first blocks, done next */
  fill.blocks_total = passes * lanes * fill.lane_blocks;
  fill.progress = progress;
  fill_first_blocks(&fill, h0);
  /* Lanes only read other lanes' finished slices, so doing a slice's segments one after another gives the
   * result of doing them in parallel. */
  for (uint32_t pass = 0; pass < passes; pass++) {
    for (uint32_t slice = 0; slice < SLICES_PER_PASS; slice++) {
      for (uint32_t lane = 0; lane < lanes; lane++) fill_segment(&fill, pass, slice, lane);
    }
  }
  if (progress) progress(fill.blocks_total, fill.blocks_total);
}

void rx_argon2d_fill(const rx_params *params, void *memory, const void *key, size_t key_bytes,
                     void (*progress)(uint32_t done, uint32_t total)) {
  uint8_t h0[ARGON2D_H0_BYTES];
  initial_hash(h0, params, key, key_bytes);
  rx_argon2d_fill_from_h0(memory, h0, params->argon_lanes, params->argon_memory_blocks, params->argon_iterations,
                          progress);
}
