//! The seed walk-through: an MSP's issuer makes product keys for the StorageCraft catalog, prints
//! them, and checks a mistyped key and a forged key.
//!
//! Run with `cargo run -p keyledger-examples --example walkthrough`.

use keyledger::catalog::presets;
use keyledger::key::{check_key, Issuer};

fn main() -> Result<(), keyledger::Error> {
    let catalog = presets::storagecraft();
    // In production the secret comes from a vault; the example uses a fixed one so the output is
    // the same on every run (generation is deterministic).
    let issuer = Issuer::new(0, b"walkthrough issuer secret, 32 b.")?;

    println!("== Product keys ==");
    for product in catalog.products() {
        let keys = issuer.generate_batch(product.id, 1, 2)?;
        for key in keys {
            println!(
                "{key}  {:<22} serial {:>3}  ({})",
                product.name,
                key.serial(),
                product.license_type.label()
            );
        }
    }

    let good = issuer.generate(presets::SHADOWPROTECT_MSP, 1)?.to_string();
    // Swap the first two adjacent symbols that differ, as a hurried typist would.
    let mut typo: Vec<char> = good.chars().collect();
    let swap_at = (0..typo.len() - 1)
        .find(|&i| typo[i] != '-' && typo[i + 1] != '-' && typo[i] != typo[i + 1])
        .unwrap_or(0);
    typo.swap(swap_at, swap_at + 1);
    let typo: String = typo.into_iter().collect();
    let forger = Issuer::new(0, b"someone else's secret, 32 bytes.")?;
    let forged = forger.generate(presets::SHADOWPROTECT_MSP, 1)?.to_string();

    println!("\n== Checking keys ==");
    for (label, text) in [
        ("as issued", good.as_str()),
        (
            "lower case, no dashes",
            &good.to_lowercase().replace('-', ""),
        ),
        ("two symbols swapped", typo.as_str()),
        ("a 'U' typed", "8A0X-U000-0000-0000"),
        ("forged", forged.as_str()),
    ] {
        let public = check_key(&catalog, text);
        let full = issuer.check(&catalog, text);
        println!(
            "{label:<22} {text:<20} public: {:<14} issuer: {:<16} {}",
            public.code.as_str(),
            full.code.as_str(),
            full.detail
        );
    }
    Ok(())
}
