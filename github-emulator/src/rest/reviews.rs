//! Pull request reviews: `GET`/`POST /pulls/{n}/reviews`, `GET /pulls/{n}/reviews/{id}`.

use super::{number, paginate};
use crate::http::{ApiError, Incoming, Reply};
use crate::ops::Ctx;
use crate::state::Review;

pub fn list(ctx: &mut Ctx<'_>, req: &Incoming, n: &str) -> Result<Reply, ApiError> {
    let n = number(n)?;
    ctx.refresh_pulls()?;
    ctx.find_pull(n)?;
    let reviews: Vec<Review> = ctx.repo().reviews.iter().filter(|r| r.number == n).cloned().collect();
    let items = reviews.iter().map(|r| ctx.review_json(r)).collect();
    Ok(paginate(ctx, req, items))
}

pub fn get(ctx: &mut Ctx<'_>, n: u64, id: &str) -> Result<Reply, ApiError> {
    let id = number(id)?;
    let review =
        ctx.repo().reviews.iter().find(|r| r.number == n && r.id == id).cloned().ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(ctx.review_json(&review)))
}

pub fn create(ctx: &mut Ctx<'_>, req: &Incoming, n: u64) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let review = ctx.create_review(n, body["event"].as_str(), body["body"].as_str(), body["commit_id"].as_str())?;
    Ok(Reply::ok(ctx.review_json(&review)))
}
