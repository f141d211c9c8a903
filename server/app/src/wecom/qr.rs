//! A QR code as a PNG image: the contact way's `qr_code` URL drawn at `scale` pixels per module with the standard
//! 4-module quiet zone, 8-bit greyscale (black on white).

use crate::error::{AppError, Result};

/// Pixels per module: a version-3 code (a ~50-character URL) comes out at about 300 × 300.
pub const SCALE: usize = 8;
const QUIET: usize = 4;

pub fn png(text: &str, scale: usize) -> Result<Vec<u8>> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    let modules = code.width();
    let dark = code.to_colors();
    let side = (modules + 2 * QUIET) * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            if dark[y * modules + x] == qrcode::Color::Dark {
                for dy in 0..scale {
                    let row = ((y + QUIET) * scale + dy) * side;
                    let from = row + (x + QUIET) * scale;
                    pixels[from..from + scale].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| AppError::Internal(format!("PNG: {e}")))?;
        w.write_image_data(&pixels).map_err(|e| AppError::Internal(format!("PNG: {e}")))?;
    }
    Ok(out)
}
