//! Statuses for failures that happen before or around a handler: a request
//! that does not decode, one over the size limit, and a call past the
//! server's deadline. tonic answers these INTERNAL, OUT_OF_RANGE and
//! CANCELLED; they are the client's mistake or the server's limit, so this
//! layer answers INVALID_ARGUMENT (naming the field that did not decode),
//! RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED instead.

use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use crate::domain::{parse_grpc_timeout, with_deadline};

const DECODE_FAILURE: &str = "failed to decode Protobuf message: ";
const TOO_LARGE: &str = "decoded message length too large";

/// Applies the server's per-call deadline and corrects the statuses above.
#[derive(Clone)]
pub struct TransportStatusLayer {
    deadlines: Deadlines,
}

/// The server's limits on a call's duration.
#[derive(Debug, Clone, Copy)]
struct Deadlines {
    call: Duration,
    /// UploadMedia's: its request streams in at the writer's pace.
    upload: Duration,
}

impl TransportStatusLayer {
    /// Calls taking longer than `call` (UploadMedia: `upload`) answer
    /// DEADLINE_EXCEEDED (and stop).
    pub fn new(call: Duration, upload: Duration) -> Self {
        Self {
            deadlines: Deadlines { call, upload },
        }
    }
}

impl<S> Layer<S> for TransportStatusLayer {
    type Service = TransportStatus<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TransportStatus {
            inner,
            deadlines: self.deadlines,
        }
    }
}

/// See [`TransportStatusLayer`].
#[derive(Clone)]
pub struct TransportStatus<S> {
    inner: S,
    deadlines: Deadlines,
}

impl<S, B> Service<http::Request<B>> for TransportStatus<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The client's deadline, when it is earlier, bounds the work too
        // (tonic answers it on its own; rendering stops at it).
        let client_deadline = request
            .headers()
            .get("grpc-timeout")
            .and_then(|value| value.to_str().ok())
            .and_then(parse_grpc_timeout);
        let deadline = if request.uri().path() == super::media_service::UPLOAD_PATH {
            self.deadlines.upload
        } else {
            self.deadlines.call
        };
        let call_deadline =
            Instant::now() + client_deadline.map_or(deadline, |client| client.min(deadline));
        let future = with_deadline(call_deadline, self.inner.call(request));
        Box::pin(async move {
            let Ok(response) = tokio::time::timeout(deadline, future).await else {
                // Dropping the handler's future stops its work.
                return Ok(Status::deadline_exceeded(format!(
                    "the call took longer than the server's limit of {} ms",
                    deadline.as_millis()
                ))
                .into_http());
            };
            let mut response = response?;
            // Only trailers-only answers (errors) carry their status in the headers.
            if let Some(corrected) =
                Status::from_header_map(response.headers()).and_then(|status| corrected(&status))
            {
                response.headers_mut().remove("grpc-status-details-bin");
                let _ = corrected.add_header(response.headers_mut());
            }
            Ok(response)
        })
    }
}

/// The status a transport-level failure should have had, if it is one.
fn corrected(status: &Status) -> Option<Status> {
    match status.code() {
        Code::Internal => status
            .message()
            .strip_prefix(DECODE_FAILURE)
            .map(undecodable),
        Code::OutOfRange if status.message().contains(TOO_LARGE) => Some(
            Status::resource_exhausted(status.message().replace("Error, decoded", "the request's")),
        ),
        _ => None,
    }
}

/// INVALID_ARGUMENT for a request that did not decode, with the field path
/// prost reports (innermost message first: `Post.title: CreatePostRequest.post: …`).
fn undecodable(detail: &str) -> Status {
    let mut path = Vec::new();
    let mut rest = detail;
    while let Some((head, tail)) = rest.split_once(": ") {
        let Some((message, field)) = head.split_once('.') else {
            break;
        };
        if !is_identifier(message) || !is_identifier(field) {
            break;
        }
        path.push(field);
        rest = tail;
    }
    path.reverse();
    let field = if path.is_empty() {
        "request".to_owned()
    } else {
        path.join(".")
    };
    let description = format!("is not a valid encoding: {rest}");
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation(field.clone(), description.clone());
    Status::with_error_details(
        Code::InvalidArgument,
        format!("{field}: {description}"),
        details,
    )
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decode_failure_names_the_field_outermost_first() {
        let status = corrected(&Status::internal(
            "failed to decode Protobuf message: Post.title: CreatePostRequest.post: invalid string value: data is not UTF-8 encoded",
        ))
        .expect("corrected");
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status
            .get_details_bad_request()
            .expect("bad request detail");
        assert_eq!(details.field_violations[0].field, "post.title");
        assert!(details.field_violations[0].description.contains("UTF-8"));
    }

    #[test]
    fn a_truncated_message_is_invalid_too_and_other_statuses_stay() {
        let status = corrected(&Status::internal(
            "failed to decode Protobuf message: buffer underflow",
        ))
        .expect("corrected");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(corrected(&Status::internal("internal error")).is_none());
        assert!(corrected(&Status::not_found("post not found")).is_none());
        let too_large = corrected(&Status::out_of_range(
            "Error, decoded message length too large: found 5 bytes, the limit is: 4 bytes",
        ))
        .expect("corrected");
        assert_eq!(too_large.code(), Code::ResourceExhausted);
    }
}
