//! Events.

use alloy_primitives::{Log, LogData, B256};
use revm::bytecode::opcode;
use revm::context_interface::{Cfg, JournalTr};

use super::{charge, charge_gas, escape, ink_now, read_bytes, trace, Ctx, Escape, HostResult};
use crate::ink::prices::{read_price, EVM_API_INK, HOSTIO_INK};

/// `emit_log(data, len, topics)`: the first `32·topics` bytes of `data` are the topics, the
/// rest the log data. More than four topics, too short a buffer or a static frame fail the
/// program. Pays LOG gas (375 + 375·topics + 8·bytes).
pub(super) fn emit_log(mut caller: Ctx<'_, '_>, data: u32, len: u32, topics: u32) -> HostResult {
    let start = ink_now(&caller)?;
    let log_opcode = opcode::LOG0 + topics.min(4) as u8;
    charge(
        &mut caller,
        HOSTIO_INK + EVM_API_INK + read_price(len as usize),
    )?;
    if topics > 4 {
        return Err(escape(Escape::Fatal("emit_log with more than 4 topics")));
    }
    let topic_bytes = topics * 32;
    if len < topic_bytes {
        return Err(escape(Escape::Fatal(
            "emit_log buffer shorter than its topics",
        )));
    }
    if caller.data().frame.is_static {
        return Err(escape(Escape::Fatal("emit_log in a static call")));
    }
    let gas = caller
        .data()
        .ctx
        .cfg
        .gas_params()
        .log_cost(topics as u8, u64::from(len - topic_bytes));
    charge_gas(&mut caller, gas)?;
    let bytes = read_bytes(&caller, data, len)?;
    let (topic_part, body) = bytes.split_at(topic_bytes as usize);
    let topics = topic_part.chunks_exact(32).map(B256::from_slice).collect();
    let env = caller.data_mut();
    let log = Log {
        address: env.frame.address,
        data: LogData::new_unchecked(topics, body.to_vec().into()),
    };
    env.ctx.journaled_state.log(log);
    trace(&mut caller, log_opcode, start);
    Ok(())
}
