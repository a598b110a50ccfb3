/* SuperscalarHash program generation (specs.md 6.2-6.3). The generator simulates the reference CPU: each decode
 * cycle fills a 16-byte decoder group slot by slot with macro-ops, schedules every macro-op on the execution
 * ports as early as possible and picks registers that are ready by then. Every random choice is drawn from the
 * BlakeGenerator in a fixed order, so a key always yields the same programs. */
#include "superscalar.h"

#include <stdbool.h>

/* Execution ports as bits of a mask. */
enum { PORT_0 = 1, PORT_1 = 2, PORT_5 = 4 };

/* A micro-op that may use several ports tries P5, then P0, then P1, keeping P1 (the only multiplier) free. */
static const uint8_t port_preference[] = {PORT_5, PORT_0, PORT_1};

/* Macro-ops of table 6.2.1. A macro-op without micro-ops (mov r,r) is eliminated: it takes a decoder slot but
 * no port and has no latency. Both micro-ops of a two-micro-op macro-op must issue in the same cycle. */
typedef enum { SUB_RR, XOR_RR, LEA_SIB, IMUL_RR, ROR_RI, ADD_RI, XOR_RI, MOV_RR, MUL_R, IMUL_R, MOV_RI } macro_op;

typedef struct {
  uint8_t latency;
  uint8_t micro_ops;
  uint8_t ports[2]; /* allowed ports of each micro-op */
} macro_op_info;

static const macro_op_info macro_ops[] = {
    [SUB_RR] = {1, 1, {PORT_0 | PORT_1 | PORT_5}},
    [XOR_RR] = {1, 1, {PORT_0 | PORT_1 | PORT_5}},
    [LEA_SIB] = {1, 1, {PORT_0 | PORT_1}},
    [IMUL_RR] = {3, 1, {PORT_1}},
    [ROR_RI] = {1, 1, {PORT_0 | PORT_5}},
    [ADD_RI] = {1, 1, {PORT_0 | PORT_1 | PORT_5}},
    [XOR_RI] = {1, 1, {PORT_0 | PORT_1 | PORT_5}},
    [MOV_RR] = {0, 0, {0}},
    [MUL_R] = {4, 2, {PORT_1, PORT_5}},
    [IMUL_R] = {4, 2, {PORT_1, PORT_5}},
    [MOV_RI] = {1, 1, {PORT_0 | PORT_1 | PORT_5}},
};

#define NO_MACRO_OP 0xff

/* How an instruction is simulated: its macro-ops, and at which of them the source is chosen, the destination
 * is chosen and the result becomes ready. Registers are chosen against the cycle of that macro-op. */
typedef struct {
  uint8_t op_count;
  uint8_t ops[3];
  uint8_t source_op;      /* NO_MACRO_OP: no register source */
  uint8_t destination_op;
  uint8_t result_op;
  uint8_t dependent_op;   /* NO_MACRO_OP, or a macro-op that waits for the result of the one before it */
  uint8_t repeat_group;   /* see register_state.last_group */
  bool multiplies;        /* counts towards the multiplications that steer decoder group 4 */
  bool source_may_be_destination;
} instruction_info;

static const instruction_info instructions[] = {
    /* ISUB_R shares IADD_RS's group: subtracting a source right after adding it (or vice versa) is also
     * rejected. */
    [RX_SS_ISUB_R] = {1, {SUB_RR}, 0, 0, 0, NO_MACRO_OP, RX_SS_IADD_RS, false, false},
    [RX_SS_IXOR_R] = {1, {XOR_RR}, 0, 0, 0, NO_MACRO_OP, RX_SS_IXOR_R, false, false},
    [RX_SS_IADD_RS] = {1, {LEA_SIB}, 0, 0, 0, NO_MACRO_OP, RX_SS_IADD_RS, false, false},
    [RX_SS_IMUL_R] = {1, {IMUL_RR}, 0, 0, 0, NO_MACRO_OP, RX_SS_IMUL_R, true, false},
    [RX_SS_IROR_C] = {1, {ROR_RI}, NO_MACRO_OP, 0, 0, NO_MACRO_OP, RX_SS_IROR_C, false, false},
    [RX_SS_IADD_C] = {1, {ADD_RI}, NO_MACRO_OP, 0, 0, NO_MACRO_OP, RX_SS_IADD_C, false, false},
    [RX_SS_IXOR_C] = {1, {XOR_RI}, NO_MACRO_OP, 0, 0, NO_MACRO_OP, RX_SS_IXOR_C, false, false},
    /* mov rax,dst; mul src; mov dst,rdx: the destination is chosen at the first mov, the source at the
     * multiplication, which produces the result. */
    [RX_SS_IMULH_R] = {3, {MOV_RR, MUL_R, MOV_RR}, 1, 0, 1, NO_MACRO_OP, RX_SS_IMULH_R, true, true},
    [RX_SS_ISMULH_R] = {3, {MOV_RR, IMUL_R, MOV_RR}, 1, 0, 1, NO_MACRO_OP, RX_SS_ISMULH_R, true, true},
    /* mov rax,reciprocal; imul dst,rax: the multiplication needs the loaded constant. */
    [RX_SS_IMUL_RCP] = {2, {MOV_RI, IMUL_RR}, NO_MACRO_OP, 1, 1, 1, RX_SS_IMUL_RCP, true, false},
};

/* Decoder groups of table 6.3.1: 16 bytes of code split into 3 or 4 slots. */
typedef struct {
  uint8_t slot_count;
  uint8_t slot_bytes[4];
} decoder_group;

enum { GROUP_4_8_4, GROUP_7_3_3_3, GROUP_3_7_3_3, GROUP_4_9_3, GROUP_4_4_4_4, GROUP_3_3_10 };

static const decoder_group decoder_groups[] = {
    [GROUP_4_8_4] = {3, {4, 8, 4}},     [GROUP_7_3_3_3] = {4, {7, 3, 3, 3}}, [GROUP_3_7_3_3] = {4, {3, 7, 3, 3}},
    [GROUP_4_9_3] = {3, {4, 9, 3}},     [GROUP_4_4_4_4] = {4, {4, 4, 4, 4}}, [GROUP_3_3_10] = {3, {3, 3, 10}},
};

#define NO_INSTRUCTION (-1)

/* Cycles an instruction may wait for a suitable register before it is thrown away and replaced. */
#define OPERAND_WAIT_CYCLES 4
/* Consecutive replacements allowed before the rest of the decoder group is abandoned. */
#define MAX_THROW_AWAYS 256
/* The port map reaches this many cycles beyond the target latency; a macro-op that does not fit ends the
 * program. */
#define PORT_MAP_SLACK 4
/* r5 cannot be IADD_RS's destination: x86 lea cannot encode it as a base without a displacement. */
#define REGISTER_R5 5

typedef struct {
  uint32_t ready_cycle;
  /* The last instruction group that wrote the register and its parameter (the source register, -1 for an
   * immediate, a random tag for IMULH/ISMULH): the same pair may not be applied twice in a row. */
  int last_group;
  int64_t last_parameter;
} register_state;

/* The instruction being placed, before it is complete. */
typedef struct {
  int opcode; /* NO_INSTRUCTION before the first instruction and after an abandoned decoder group */
  uint8_t op_count;
  int source;      /* -1 until chosen, and for instructions without a register source */
  int destination; /* -1 until chosen */
  uint8_t shift;
  uint32_t imm32;
  int64_t parameter; /* see register_state.last_parameter */
} pending_instruction;

typedef struct {
  rx_blake_generator *random;
  uint32_t port_map_cycles;
  uint8_t busy_ports[RX_SS_MAX_LATENCY + PORT_MAP_SLACK]; /* port masks in use, per cycle */
  register_state registers[8];
} simulation;

static bool is_zero_or_power_of_two(uint32_t value) { return (value & (value - 1)) == 0; }

/* The decoder group for the next decode cycle (specs.md 6.3.1). */
static int next_decoder_group(simulation *sim, int previous_opcode, uint32_t decode_cycle, uint32_t multiplications) {
  /* The 128-bit multiplication decodes to 2 micro-ops and continues in the next cycle's two 3-byte slots. */
  if (previous_opcode == RX_SS_IMULH_R || previous_opcode == RX_SS_ISMULH_R) return GROUP_3_3_10;
  /* Keep the multiplier port busy: fall back to three multiplications whenever there are too few. */
  if (multiplications <= decode_cycle) return GROUP_4_4_4_4;
  /* IMUL_RCP's multiplication continues in a leading 4-byte slot. */
  if (previous_opcode == RX_SS_IMUL_RCP) {
    return (rx_blake_generator_byte(sim->random) & 1) ? GROUP_4_8_4 : GROUP_4_9_3;
  }
  return rx_blake_generator_byte(sim->random) & 3;
}

/* An instruction whose first macro-op fits a slot (table 6.3.2); the random byte indexes the listed order. */
static int instruction_for_slot(simulation *sim, uint8_t slot_bytes, int group, bool last_slot) {
  static const int three_bytes[] = {RX_SS_ISUB_R, RX_SS_IXOR_R, RX_SS_IMULH_R, RX_SS_ISMULH_R};
  static const int four_bytes[] = {RX_SS_IROR_C, RX_SS_IADD_RS};
  static const int immediate[] = {RX_SS_IXOR_C, RX_SS_IADD_C};
  switch (slot_bytes) {
  case 3:
    /* The 128-bit multiplications need the following slots, so they only start in a group's last slot. */
    return three_bytes[rx_blake_generator_byte(sim->random) & (last_slot ? 3 : 1)];
  case 4:
    if (group == GROUP_4_4_4_4 && !last_slot) return RX_SS_IMUL_R;
    return four_bytes[rx_blake_generator_byte(sim->random) & 1];
  case 10:
    return RX_SS_IMUL_RCP;
  default: /* 7, 8 or 9: add/xor with a 32-bit immediate, padded to the slot */
    return immediate[rx_blake_generator_byte(sim->random) & 1];
  }
}

/* Starts `opcode` and draws its immediate operands. */
static void begin_instruction(simulation *sim, pending_instruction *pending, int opcode) {
  *pending = (pending_instruction){.opcode = opcode, .op_count = instructions[opcode].op_count, .source = -1,
                                   .destination = -1, .parameter = -1};
  switch (opcode) {
  case RX_SS_IADD_RS:
    pending->shift = (rx_blake_generator_byte(sim->random) >> 2) & 3; /* bits 2-3 of a mod byte */
    break;
  case RX_SS_IROR_C:
    do pending->imm32 = rx_blake_generator_byte(sim->random) & 63;
    while (pending->imm32 == 0);
    break;
  case RX_SS_IADD_C:
  case RX_SS_IXOR_C:
    pending->imm32 = rx_blake_generator_u32(sim->random);
    break;
  case RX_SS_IMULH_R:
  case RX_SS_ISMULH_R:
    /* A random tag: two high multiplications in a row are only rejected on a (rare) tag collision. */
    pending->parameter = (int32_t)rx_blake_generator_u32(sim->random);
    break;
  case RX_SS_IMUL_RCP:
    do pending->imm32 = rx_blake_generator_u32(sim->random);
    while (is_zero_or_power_of_two(pending->imm32));
    break;
  default:
    break;
  }
}

/* One of `count` candidate registers, or -1 when there is none; a single candidate costs no random draw. */
static int pick_register(simulation *sim, const uint8_t *candidates, uint32_t count) {
  if (count == 0) return -1;
  return candidates[count > 1 ? rx_blake_generator_u32(sim->random) % count : 0];
}

static bool choose_source(simulation *sim, pending_instruction *pending, uint32_t cycle) {
  uint8_t ready[8];
  uint32_t count = 0;
  for (uint8_t r = 0; r < 8; r++) {
    if (sim->registers[r].ready_cycle <= cycle) ready[count++] = r;
  }
  /* With only two ready registers, r5 must be IADD_RS's source so that the other can be the destination. */
  if (pending->opcode == RX_SS_IADD_RS && count == 2 && (ready[0] == REGISTER_R5 || ready[1] == REGISTER_R5)) {
    pending->source = REGISTER_R5;
  } else {
    pending->source = pick_register(sim, ready, count);
  }
  if (pending->source < 0) return false;
  /* The high multiplications keep their random tag. */
  if (pending->opcode != RX_SS_IMULH_R && pending->opcode != RX_SS_ISMULH_R) pending->parameter = pending->source;
  return true;
}

/* specs.md 6.3.4. `chained_multiplication` lifts the rule against multiplying a register twice in a row; it is
 * used after an instruction has been thrown away. */
static bool choose_destination(simulation *sim, pending_instruction *pending, uint32_t cycle,
                               bool chained_multiplication) {
  const instruction_info *info = &instructions[pending->opcode];
  uint8_t candidates[8];
  uint32_t count = 0;
  for (uint8_t r = 0; r < 8; r++) {
    const register_state *state = &sim->registers[r];
    if (state->ready_cycle > cycle) continue;
    if (r == pending->source && !info->source_may_be_destination) continue;
    if (!chained_multiplication && info->repeat_group == RX_SS_IMUL_R && state->last_group == RX_SS_IMUL_R) continue;
    if (state->last_group == info->repeat_group && state->last_parameter == pending->parameter) continue;
    if (pending->opcode == RX_SS_IADD_RS && r == REGISTER_R5) continue;
    candidates[count++] = r;
  }
  pending->destination = pick_register(sim, candidates, count);
  return pending->destination >= 0;
}

typedef enum { SOURCE_OPERAND, DESTINATION_OPERAND } operand_role;

/* Tries to choose the operand at *cycle and up to OPERAND_WAIT_CYCLES - 1 later cycles, advancing *cycle past
 * each failed try. A failed try draws no random number. */
static bool await_operand(simulation *sim, pending_instruction *pending, operand_role role, uint32_t *cycle,
                          bool chained_multiplication) {
  for (uint32_t wait = 0; wait < OPERAND_WAIT_CYCLES; wait++, (*cycle)++) {
    const bool chosen = role == SOURCE_OPERAND ? choose_source(sim, pending, *cycle)
                                               : choose_destination(sim, pending, *cycle, chained_multiplication);
    if (chosen) return true;
  }
  return false;
}

/* A free port among `allowed` at `cycle`, in order of preference, ignoring `taken`; 0 if none. */
static uint8_t free_port(const simulation *sim, uint8_t allowed, uint32_t cycle, uint8_t taken) {
  for (unsigned i = 0; i < sizeof port_preference; i++) {
    const uint8_t port = port_preference[i];
    if ((allowed & port) && !((sim->busy_ports[cycle] | taken) & port)) return port;
  }
  return 0;
}

/* The first cycle from `earliest` at which all micro-ops of `op` find ports (reserving them if `reserve`), or
 * -1 beyond the port map. Eliminated macro-ops need no port. */
static int64_t schedule(simulation *sim, macro_op op, uint32_t earliest, bool reserve) {
  const macro_op_info *info = &macro_ops[op];
  if (info->micro_ops == 0) return earliest;
  for (uint32_t cycle = earliest; cycle < sim->port_map_cycles; cycle++) {
    uint8_t taken = 0;
    uint32_t placed = 0;
    for (; placed < info->micro_ops; placed++) {
      const uint8_t port = free_port(sim, info->ports[placed], cycle, taken);
      if (port == 0) break;
      taken |= port;
    }
    if (placed < info->micro_ops) continue;
    if (reserve) sim->busy_ports[cycle] |= taken;
    return cycle;
  }
  return -1;
}

/* The register with the longest dependency chain, counting every instruction as one step (an ASIC's view);
 * ties go to the lowest register. An instruction's chain continues the longer of its destination's and its
 * source's chains; an instruction without a distinct source only extends its destination's. */
static uint32_t longest_chain_register(const rx_ss_program *program) {
  uint32_t chain[8] = {0};
  for (uint32_t i = 0; i < program->size; i++) {
    const rx_ss_instruction *instruction = &program->code[i];
    uint32_t length = chain[instruction->dst] + 1;
    if (instruction->src != instruction->dst && chain[instruction->src] + 1 > length) {
      length = chain[instruction->src] + 1;
    }
    chain[instruction->dst] = length;
  }
  uint32_t longest = 0;
  for (uint32_t r = 1; r < 8; r++) {
    if (chain[r] > chain[longest]) longest = r;
  }
  return longest;
}

static void append_instruction(rx_ss_program *program, const pending_instruction *pending) {
  rx_ss_instruction *instruction = &program->code[program->size++];
  *instruction = (rx_ss_instruction){
      .opcode = (uint8_t)pending->opcode,
      .dst = (uint8_t)pending->destination,
      .src = (uint8_t)(pending->source >= 0 ? pending->source : pending->destination),
      .shift = pending->shift,
      .imm32 = pending->imm32,
      .reciprocal = pending->opcode == RX_SS_IMUL_RCP ? rx_reciprocal(pending->imm32) : 0,
  };
}

void rx_superscalar_generate(const rx_params *params, rx_blake_generator *generator, rx_ss_program *program) {
  const uint32_t target_latency = params->superscalar_latency;
  const uint32_t max_instructions = 3 * target_latency + 2;
  simulation sim = {.random = generator, .port_map_cycles = target_latency + PORT_MAP_SLACK};
  for (int r = 0; r < 8; r++) sim.registers[r] = (register_state){.last_group = NO_INSTRUCTION, .last_parameter = -1};

  pending_instruction pending = {.opcode = NO_INSTRUCTION};
  uint32_t next_op = 0;           /* index of pending's next macro-op; == op_count when it is complete */
  uint32_t cycle = 0;             /* the cycle at which macro-ops are issued */
  uint32_t previous_op_ready = 0; /* when the last scheduled macro-op's result is ready */
  uint32_t multiplications = 0;
  uint32_t throw_aways = 0; /* consecutive */
  bool finished = false;
  program->size = 0;

  for (uint32_t decode_cycle = 0; decode_cycle < target_latency && !finished && program->size < max_instructions;
       decode_cycle++, cycle++) {
    const int group = next_decoder_group(&sim, pending.opcode, decode_cycle, multiplications);
    const decoder_group *slots = &decoder_groups[group];
    uint32_t slot = 0;
    while (slot < slots->slot_count) {
      if (next_op == pending.op_count) {
        if (finished || program->size >= max_instructions) break;
        const bool last_slot = slot + 1 == slots->slot_count;
        begin_instruction(&sim, &pending, instruction_for_slot(&sim, slots->slot_bytes[slot], group, last_slot));
        next_op = 0;
      }
      const instruction_info *info = &instructions[pending.opcode];
      const macro_op op = info->ops[next_op];
      uint32_t earliest = cycle;
      if (next_op == info->dependent_op && previous_op_ready > earliest) earliest = previous_op_ready;
      const int64_t probe = schedule(&sim, op, earliest, false);
      if (probe < 0) {
        finished = true;
        break;
      }

      /* A register that is not ready yet delays the macro-op; if none is found in time, the delay also holds up
       * the rest of this decode cycle. */
      uint32_t operand_cycle = (uint32_t)probe;
      bool operands_found = true;
      if (next_op == info->source_op) {
        operands_found = await_operand(&sim, &pending, SOURCE_OPERAND, &operand_cycle, false);
      }
      if (operands_found && next_op == info->destination_op) {
        operands_found = await_operand(&sim, &pending, DESTINATION_OPERAND, &operand_cycle, throw_aways > 0);
      }
      if (!operands_found) {
        cycle += operand_cycle - (uint32_t)probe;
        if (throw_aways < MAX_THROW_AWAYS) {
          /* Throw the instruction away; a new one takes the same slot. */
          throw_aways++;
          next_op = pending.op_count;
          continue;
        }
        pending = (pending_instruction){.opcode = NO_INSTRUCTION};
        next_op = 0;
        break;
      }
      throw_aways = 0;

      const int64_t issued = schedule(&sim, op, operand_cycle, true);
      if (issued < 0) {
        finished = true;
        break;
      }
      previous_op_ready = (uint32_t)issued + macro_ops[op].latency;
      if (next_op == info->result_op) {
        register_state *destination = &sim.registers[pending.destination];
        destination->ready_cycle = previous_op_ready;
        destination->last_group = info->repeat_group;
        destination->last_parameter = pending.parameter;
      }
      slot++;
      next_op++;
      if ((uint32_t)issued >= target_latency) finished = true;
      if (next_op == pending.op_count) {
        append_instruction(program, &pending);
        if (info->multiplies) multiplications++;
      }
    }
  }
  program->address_register = longest_chain_register(program);
}
