//! Audit pins on the devnet (real release WASM behind EntryPoint v0.7): paths where the
//! TestVM, which writes storage directly, cannot stand in for the Stylus storage cache.

mod common;

use alloy_primitives::U256;
use alloy_sol_types::SolError;
use common::*;
use devnet_bundler::{SessionKey, World};
use session_key_validator::abi;
use sessionkey_policy::layout::{AccountWord, SessionHeader};
use sessionkey_policy::TokenLimit;

/// `onInstall` with several records allocates each registration nonce by reading the account
/// word it has just written in the same call — through the Stylus storage cache, which the
/// TestVM does not model. On the real WASM the records must get distinct nonces (0, 1, 2) and
/// separate caps: a collision would make two sessions share call entries and token caps.
#[test]
fn on_install_with_several_records_gives_each_its_own_nonce_and_caps() {
    let mut world = World::new().expect("world deploys");
    world.chain.set_block_timestamp(2000);
    let account = world
        .create_account(SessionKey::from_seed(1), 10)
        .expect("account deploys");
    world
        .mint(account.address, U256::from(1000 * TOKENS))
        .unwrap();
    let token = world.token;
    let keys = [7u8, 8, 9].map(SessionKey::from_seed);
    let caps = [150u128, 20, 5];
    let mut data = Vec::new();
    for (key, cap) in keys.iter().zip(caps) {
        let mut record = demo_record(key.address, token);
        record.token_caps[0].limit = TokenLimit::Limited(U256::from(cap * TOKENS));
        data.extend(record.encode());
    }
    assert!(world.install_module(&account, data).unwrap().success);
    let mut s = Setup {
        world,
        account,
        key: keys[0].clone(),
    };

    for (nonce, key) in keys.iter().enumerate() {
        let (account_word, header, _, _) = s.world.session_words(s.account.address, key.address);
        assert_eq!(SessionHeader::unpack(&header).perm_nonce, nonce as u64);
        assert_eq!(AccountWord::unpack(&account_word).next_nonce, 3);
    }
    // Each session spends its own cap: the second one's 20 is not the first one's 150.
    assert_executed(&s.run_as(&keys[1], single(token, 0, transfer(ALICE, 20 * TOKENS))));
    let before = s.probe();
    let report = s.run_as(&keys[1], single(token, 0, transfer(ALICE, 1)));
    assert_rejected_with(
        &report,
        abi::TokenCapExceeded {
            token,
            requested: U256::from(1),
            remaining: U256::ZERO,
        }
        .abi_encode(),
    );
    assert_eq!(s.probe(), before);
    assert_executed(&s.run_as(&keys[2], single(token, 0, transfer(ALICE, 5 * TOKENS))));
    assert_executed(&s.run_as(&keys[0], single(token, 0, transfer(ALICE, 150 * TOKENS))));
    assert_eq!(s.world.token_balance(ALICE), U256::from(175 * TOKENS));
}
